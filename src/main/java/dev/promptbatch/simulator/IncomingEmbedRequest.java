package dev.promptbatch.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A {@code POST /api/embed} body as Ollama decodes it: {@code input} is one string or a list of strings.
 *
 * @param model          as sent, {@code ""} when absent
 * @param inputs         the strings to embed; empty for {@code ""}, {@code []} or no input (load only)
 * @param truncate       false only for an explicit {@code "truncate": false}
 * @param dimensions     0 when absent
 * @param options        the {@code options} object, empty when absent
 * @param keepAliveNanos as for generate
 */
record IncomingEmbedRequest(
        String model, List<String> inputs, boolean truncate, int dimensions, ObjectNode options, Long keepAliveNanos) {

    private static final String GO_STRUCT = "EmbedRequest";

    static IncomingEmbedRequest decode(byte[] body) throws RequestRefusedException {
        ObjectNode request = GoJson.decodeObject(body, GO_STRUCT);
        String model = GoJson.string(request, "model", GO_STRUCT);
        JsonNode truncate = GoJson.typed(request, "truncate", JsonNode::isBoolean, "bool", GO_STRUCT);
        JsonNode dimensions = GoJson.typed(request, "dimensions", JsonNode::isIntegralNumber, "int", GO_STRUCT);
        JsonNode options = GoJson.typed(request, "options", JsonNode::isObject, "map[string]interface {}", GO_STRUCT);
        Long keepAlive = GoJson.keepAlive(GoJson.field(request, "keep_alive"));
        return new IncomingEmbedRequest(
                model,
                inputs(GoJson.field(request, "input")),
                truncate == null || truncate.booleanValue(),
                dimensions == null ? 0 : dimensions.intValue(),
                options == null ? Exchanges.object() : (ObjectNode) options,
                keepAlive);
    }

    /** The inputs joined by newlines: what fault rules see as the prompt. */
    String prompt() {
        return String.join("\n", inputs);
    }

    Map<String, Object> optionValues() {
        return Exchanges.MAPPER.convertValue(options, new TypeReference<Map<String, Object>>() {});
    }

    /** Ollama decodes {@code input} as {@code any} and then accepts only a string or a list of strings. */
    private static List<String> inputs(JsonNode input) throws RequestRefusedException {
        if (input == null || input.isNull()) {
            return List.of();
        }
        if (input.isString()) {
            return input.stringValue().isEmpty() ? List.of() : List.of(input.stringValue());
        }
        if (!input.isArray()) {
            throw new RequestRefusedException(400, "invalid input type");
        }
        List<String> inputs = new ArrayList<>();
        for (JsonNode element : input) {
            if (!element.isString()) {
                throw new RequestRefusedException(400, "invalid input type");
            }
            inputs.add(element.stringValue());
        }
        return List.copyOf(inputs);
    }
}

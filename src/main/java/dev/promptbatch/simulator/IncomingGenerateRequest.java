package dev.promptbatch.simulator;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.UnexpectedEndOfInputException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A {@code POST /api/generate} body as the simulated server decodes it, with the decoding errors (400) of Ollama's
 * Go JSON decoder. The checks Ollama makes later (model, thinking, options, format) are separate so they can run
 * in Ollama's order.
 *
 * @param model          as sent, {@code ""} when absent
 * @param prompt         {@code ""} when absent
 * @param system         {@code ""} when absent
 * @param stream         false only for an explicit {@code "stream": false}
 * @param format         the raw {@code format} value, null when absent or null
 * @param options        the {@code options} object, empty when absent
 * @param keepAliveNanos null when absent; 0 unloads the model when idle; {@link Long#MAX_VALUE} keeps it forever
 * @param think          null when absent, else whether thinking was asked for (true or a level)
 */
record IncomingGenerateRequest(
        String model,
        String prompt,
        String system,
        boolean stream,
        JsonNode format,
        ObjectNode options,
        Long keepAliveNanos,
        Boolean think) {

    private static final Set<String> THINK_LEVELS = Set.of("low", "medium", "high", "max");

    static IncomingGenerateRequest decode(byte[] body) throws RequestRefusedException {
        String text = new String(body, StandardCharsets.UTF_8);
        if (text.isBlank()) {
            throw new RequestRefusedException(400, "missing request body");
        }
        JsonNode root;
        try (JsonParser parser = Exchanges.MAPPER.createParser(text)) {
            root = Exchanges.MAPPER.readTree(parser);
        } catch (UnexpectedEndOfInputException e) {
            throw new RequestRefusedException(400, "unexpected EOF");
        } catch (JacksonException e) {
            throw new RequestRefusedException(400, syntaxError(text, e));
        }
        if (root == null || root.isNull()) {
            root = Exchanges.object(); // Go decodes null into the zero request
        }
        if (!root.isObject()) {
            throw new RequestRefusedException(
                    400, "json: cannot unmarshal " + goType(root) + " into Go value of type api.GenerateRequest");
        }
        ObjectNode request = (ObjectNode) root;
        JsonNode stream = typed(request, "stream", JsonNode::isBoolean, "bool");
        JsonNode options = typed(request, "options", JsonNode::isObject, "map[string]interface {}");
        JsonNode format = field(request, "format");
        return new IncomingGenerateRequest(
                string(request, "model"),
                string(request, "prompt"),
                string(request, "system"),
                stream == null || stream.booleanValue(),
                format == null || format.isNull() ? null : format,
                options == null ? Exchanges.object() : (ObjectNode) options,
                keepAlive(field(request, "keep_alive")),
                think(field(request, "think")));
    }

    /** The options as plain Java values, for fault rules. */
    Map<String, Object> optionValues() {
        return Exchanges.MAPPER.convertValue(options, new TypeReference<Map<String, Object>>() {});
    }

    /**
     * Whether the answer includes thinking text. Models with the thinking capability think unless told not to.
     *
     * @throws RequestRefusedException 400 when thinking is asked of a model without the capability
     */
    boolean thinks(ModelCatalog.Model target) throws RequestRefusedException {
        if (think == null) {
            return target.thinking();
        }
        if (think && !target.thinking()) {
            throw new RequestRefusedException(400, GoFormats.quote(model) + " does not support thinking");
        }
        return think;
    }

    /**
     * The requested output format: null for none, the string {@code "json"}, or a JSON Schema object.
     *
     * @throws RequestRefusedException 500 {@code invalid format: ...}, raised by Ollama's runner, not its decoder
     */
    JsonNode validFormat() throws RequestRefusedException {
        if (format == null || (format.isString() && format.stringValue().isEmpty())) {
            return null;
        }
        if ((format.isString() && format.stringValue().equals("json")) || format.isObject()) {
            return format;
        }
        throw new RequestRefusedException(
                500,
                "invalid format: "
                        + GoFormats.quote(Exchanges.MAPPER.writeValueAsString(format))
                        + "; expected \"json\" or a valid JSON Schema object");
    }

    private static String string(ObjectNode request, String name) throws RequestRefusedException {
        JsonNode value = typed(request, name, JsonNode::isString, "string");
        return value == null ? "" : value.stringValue();
    }

    /** A field that must have a JSON type; null when absent or null. */
    private static JsonNode typed(ObjectNode request, String name, Predicate<JsonNode> isType, String goType)
            throws RequestRefusedException {
        JsonNode value = field(request, name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!isType.test(value)) {
            throw new RequestRefusedException(
                    400,
                    "json: cannot unmarshal " + goType(value) + " into Go struct field GenerateRequest." + name
                            + " of type " + goType);
        }
        return value;
    }

    /** Go's decoder matches keys case-insensitively, preferring an exact match. */
    private static JsonNode field(ObjectNode request, String name) {
        JsonNode exact = request.get(name);
        if (exact != null) {
            return exact;
        }
        for (Map.Entry<String, JsonNode> property : request.properties()) {
            if (property.getKey().equalsIgnoreCase(name)) {
                return property.getValue();
            }
        }
        return null;
    }

    /** Ollama's {@code api.Duration}: seconds as a number, or a Go duration string; negative means forever. */
    private static Long keepAlive(JsonNode value) throws RequestRefusedException {
        if (value == null || value.isNull()) {
            return null;
        }
        long nanos;
        if (value.isNumber()) {
            nanos = (long) (value.doubleValue() * 1e9);
        } else if (value.isString()) {
            try {
                nanos = GoFormats.parseDuration(value.stringValue());
            } catch (IllegalArgumentException e) {
                throw new RequestRefusedException(400, e.getMessage());
            }
        } else {
            throw new RequestRefusedException(400, "Unsupported type: '" + goValueType(value) + "'");
        }
        return nanos < 0 ? Long.MAX_VALUE : nanos;
    }

    /** Ollama's {@code ThinkValue}: a boolean or a level string. */
    private static Boolean think(JsonNode value) throws RequestRefusedException {
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        if (value.isString()) {
            if (THINK_LEVELS.contains(value.stringValue())) {
                return true;
            }
            throw new RequestRefusedException(
                    400,
                    "invalid think value: " + GoFormats.quote(value.stringValue())
                            + " (must be \"high\", \"medium\", \"low\", \"max\", true, or false)");
        }
        throw new RequestRefusedException(400, "think must be a boolean or string");
    }

    /** The JSON type names of Go's {@code UnmarshalTypeError}. */
    private static String goType(JsonNode value) {
        if (value.isString()) {
            return "string";
        }
        if (value.isNumber()) {
            return "number";
        }
        if (value.isBoolean()) {
            return "bool";
        }
        return value.isArray() ? "array" : "object";
    }

    /** Go's {@code reflect.TypeOf} of a decoded {@code any}. */
    private static String goValueType(JsonNode value) {
        if (value.isBoolean()) {
            return "bool";
        }
        return value.isArray() ? "[]interface {}" : "map[string]interface {}";
    }

    /**
     * Go's wording for a syntax error, e.g. {@code invalid character 'x' looking for beginning of value}, from where
     * Jackson stopped and what it expected there.
     */
    private static String syntaxError(String text, JacksonException e) {
        TokenStreamLocation location = e.getLocation();
        long offset = location == null ? -1 : location.getCharOffset();
        if (offset < 0 || offset >= text.length()) {
            return "unexpected EOF";
        }
        String problem = e.getOriginalMessage();
        String context;
        if (problem.contains("to start property name")) {
            context = "looking for beginning of object key string";
        } else if (problem.contains("separate Object entries")) {
            context = "after object key:value pair";
        } else if (problem.contains("separate Array entries")) {
            context = "after array element";
        } else if (problem.contains("colon to separate")) {
            context = "after object key";
        } else {
            context = "looking for beginning of value";
        }
        char offending = text.charAt((int) offset);
        String shown = offending == '\'' ? "\\'" : String.valueOf(offending);
        return "invalid character '" + shown + "' " + context;
    }
}

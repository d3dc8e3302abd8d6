package dev.promptbatch.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A {@code POST /api/generate} or {@code POST /api/chat} body as the simulated server decodes it, with the decoding
 * errors (400) of Ollama's Go JSON decoder. The checks Ollama makes later (model, thinking, options, format) are
 * separate so they can run in Ollama's order.
 *
 * @param endpoint       which endpoint the body was sent to
 * @param model          as sent, {@code ""} when absent
 * @param prompt         generate: the prompt; chat: the content of the last user message. {@code ""} when absent.
 *                       What fault rules and statistics see.
 * @param system         generate: the system text; chat: the system messages' contents, one per line
 * @param messages       chat: the messages; generate: empty
 * @param images         generate: the top-level {@code images}, base64, already checked; chat: empty (its images are
 *                       in its messages)
 * @param stream         false only for an explicit {@code "stream": false}
 * @param format         the raw {@code format} value, null when absent or null
 * @param options        the {@code options} object, empty when absent
 * @param keepAliveNanos null when absent; 0 unloads the model when idle; {@link Long#MAX_VALUE} keeps it forever
 * @param think          null when absent, else whether thinking was asked for (true or a level)
 */
record IncomingGenerateRequest(
        Endpoint endpoint,
        String model,
        String prompt,
        String system,
        List<Message> messages,
        List<String> images,
        boolean stream,
        JsonNode format,
        ObjectNode options,
        Long keepAliveNanos,
        Boolean think) {

    /** One chat message; {@code role} lower-cased as Ollama does; {@code images} base64, already checked. */
    record Message(String role, String content, List<String> images) {}

    private static final int IMAGE_TOKENS = 768;

    private static final Set<String> THINK_LEVELS = Set.of("low", "medium", "high", "max");

    static IncomingGenerateRequest decode(byte[] body, Endpoint endpoint) throws RequestRefusedException {
        String goStruct = endpoint.goStruct();
        ObjectNode request = GoJson.decodeObject(body, goStruct);
        JsonNode stream = GoJson.typed(request, "stream", JsonNode::isBoolean, "bool", goStruct);
        JsonNode options = GoJson.typed(request, "options", JsonNode::isObject, "map[string]interface {}", goStruct);
        JsonNode format = GoJson.field(request, "format");
        String model = GoJson.string(request, "model", goStruct);
        String prompt;
        String system;
        List<Message> messages;
        List<String> images;
        if (endpoint == Endpoint.CHAT) {
            messages = messages(request);
            prompt = messages.stream()
                    .filter(m -> m.role().equals("user"))
                    .reduce((first, second) -> second)
                    .map(Message::content)
                    .orElse("");
            system = messages.stream()
                    .filter(m -> m.role().equals("system"))
                    .map(Message::content)
                    .collect(Collectors.joining("\n"));
            images = List.of();
        } else {
            messages = List.of();
            prompt = GoJson.string(request, "prompt", goStruct);
            system = GoJson.string(request, "system", goStruct);
            images = images(request, goStruct);
        }
        return new IncomingGenerateRequest(
                endpoint,
                model,
                prompt,
                system,
                messages,
                images,
                stream == null || stream.booleanValue(),
                format == null || format.isNull() ? null : format,
                options == null ? Exchanges.object() : (ObjectNode) options,
                GoJson.keepAlive(GoJson.field(request, "keep_alive")),
                think(GoJson.field(request, "think")));
    }

    /** Nothing to generate: the model is only loaded (or unloaded, with {@code keep_alive: 0}). */
    boolean loadOnly() {
        return endpoint == Endpoint.CHAT ? messages.isEmpty() : prompt.isEmpty();
    }

    /** What the answer depends on besides the model, system and options: the prompt, or the whole conversation. */
    String conversation() {
        if (endpoint == Endpoint.GENERATE) {
            return images.isEmpty() ? prompt : prompt + "\n" + String.join("\n", images);
        }
        StringBuilder text = new StringBuilder();
        for (Message message : messages) {
            text.append(message.role()).append('\n').append(message.content()).append('\n');
            message.images().forEach(image -> text.append(image).append('\n'));
        }
        return text.toString();
    }

    /** What the simulated model counts as prompt tokens: a token per word, and 768 per image as Ollama counts. */
    int promptTokens() {
        int tokens = wordCount(system);
        if (endpoint == Endpoint.GENERATE) {
            tokens += wordCount(prompt);
        } else {
            for (Message message : messages) {
                tokens += message.role().equals("system") ? 0 : wordCount(message.content());
            }
        }
        return Math.max(1, tokens + IMAGE_TOKENS * imageCount());
    }

    int imageCount() {
        return images.size()
                + messages.stream().mapToInt(m -> m.images().size()).sum();
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

    private static List<Message> messages(ObjectNode request) throws RequestRefusedException {
        JsonNode list = GoJson.typed(request, "messages", JsonNode::isArray, "[]api.Message", "ChatRequest");
        List<Message> messages = new ArrayList<>();
        if (list == null) {
            return messages;
        }
        for (JsonNode element : list) {
            if (element.isNull()) {
                messages.add(new Message("", "", List.of()));
                continue;
            }
            if (!element.isObject()) {
                throw new RequestRefusedException(
                        400,
                        "json: cannot unmarshal " + GoJson.goType(element)
                                + " into Go struct field ChatRequest.messages of type api.Message");
            }
            ObjectNode message = (ObjectNode) element;
            String path = "ChatRequest.messages";
            String role = GoJson.string(message, "role", path).toLowerCase(Locale.ROOT);
            String content = GoJson.string(message, "content", path);
            messages.add(new Message(role, content, images(message, path)));
        }
        return messages;
    }

    /** The {@code images} of a generate request or a chat message: base64 strings, each checked as Go decodes it. */
    private static List<String> images(ObjectNode parent, String path) throws RequestRefusedException {
        JsonNode images = GoJson.typed(parent, "images", JsonNode::isArray, "[]api.ImageData", path);
        List<String> imageList = new ArrayList<>();
        if (images != null) {
            for (JsonNode image : images) {
                if (!image.isString()) {
                    throw new RequestRefusedException(
                            400,
                            "json: cannot unmarshal " + GoJson.goType(image) + " into Go struct field " + path
                                    + ".images of type api.ImageData");
                }
                String error = GoJson.base64Error(image.stringValue());
                if (error != null) {
                    throw new RequestRefusedException(400, error);
                }
                imageList.add(image.stringValue());
            }
        }
        return List.copyOf(imageList);
    }

    static int wordCount(String text) {
        String trimmed = text.strip();
        return trimmed.isEmpty() ? 0 : trimmed.split("\\s+").length;
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
}

package dev.promptbatch.ollama;

import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;

/**
 * One {@code POST /api/chat}. Null parts are not sent; {@code stream} is always false.
 *
 * @param messages  the conversation, in order
 * @param format    null, "json" or a JSON Schema object
 * @param think     null, a Boolean or a level string
 * @param keepAlive null, a duration string with a unit, or a number of seconds
 * @param batchBody null, or the body of the OpenAI Batch line this request was read from ({@link ModelRequest#batchBody()})
 */
public record ChatRequest(
        String model,
        List<Message> messages,
        Map<String, Object> options,
        Object format,
        Object think,
        Object keepAlive,
        JsonNode batchBody)
        implements ModelRequest {
    /** A request made from a template. */
    public ChatRequest(
            String model,
            List<Message> messages,
            Map<String, Object> options,
            Object format,
            Object think,
            Object keepAlive) {
        this(model, messages, options, format, think, keepAlive, null);
    }

    /**
     * One message: a role (system, user, assistant or tool), its text, and the images that go with it (padded
     * standard base64) or null.
     */
    public record Message(String role, String content, List<String> images) {}

    /** Every message's images, in order, or null when no message has any. */
    @Override
    public List<String> images() {
        List<String> all = messages.stream()
                .filter(message -> message.images() != null)
                .flatMap(message -> message.images().stream())
                .toList();
        return all.isEmpty() ? null : all;
    }

    @Override
    public ChatRequest withSeed(long seed) {
        return new ChatRequest(
                model, messages, ModelRequest.optionsWithSeed(options, seed), format, think, keepAlive, batchBody);
    }
}

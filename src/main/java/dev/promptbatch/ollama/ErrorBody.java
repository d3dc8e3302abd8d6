package dev.promptbatch.ollama;

import java.util.List;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The body of an answer other than 200: its message, and whether the server wrote it as a JSON error (rather than a
 * proxy's page or a framework's plain text).
 */
record ErrorBody(String message, boolean json) {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * Ollama's {@code {"error": "..."}}, the {@code {"error": {"message": "..."}}} of OpenAI-compatible servers, the
     * flat {@code {"object": "error", "message": "..."}} of older vLLM releases, or the
     * {@code {"detail": {"msg": "..."}}} of KoboldCpp; any other body is shown as it is, shortened.
     */
    static ErrorBody of(String body) {
        try {
            JsonNode node = JSON.readTree(body);
            for (String path : List.of("/error", "/error/message", "/message", "/detail/msg", "/detail")) {
                JsonNode message = node == null ? null : node.at(path);
                if (message != null && message.isString()) {
                    return new ErrorBody(message.asString(), true);
                }
            }
        } catch (JacksonException e) {
            // not JSON: the server framework's plain-text answer, shown as it is
        }
        String text = body.strip();
        return new ErrorBody(
                text.isEmpty() ? "(empty body)" : text.length() > 200 ? text.substring(0, 200) + "..." : text, false);
    }
}

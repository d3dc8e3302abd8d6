package dev.promptbatch.openaibatch;

import java.util.Arrays;
import java.util.stream.Collectors;

import dev.promptbatch.spec.Endpoint;

/**
 * The endpoints an OpenAI Batch line may name in its {@code url}, each with the Ollama endpoint its body is
 * translated for and the {@code object} of the answer's body.
 */
public enum BatchUrl {
    CHAT("/v1/chat/completions", Endpoint.CHAT, "chat.completion"),
    COMPLETIONS("/v1/completions", Endpoint.GENERATE, "text_completion"),
    EMBEDDINGS("/v1/embeddings", Endpoint.EMBED, "list");

    private final String path;
    private final Endpoint endpoint;
    private final String object;

    BatchUrl(String path, Endpoint endpoint, String object) {
        this.path = path;
        this.endpoint = endpoint;
        this.object = object;
    }

    public String path() {
        return path;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    /** The answer body's {@code object}: {@code chat.completion}, {@code text_completion} or {@code list}. */
    public String object() {
        return object;
    }

    /** The url's endpoint, or null when it is none of the three. */
    public static BatchUrl of(String path) {
        for (BatchUrl url : values()) {
            if (url.path.equals(path)) {
                return url;
            }
        }
        return null;
    }

    /** The endpoint whose requests a job of {@code endpoint} sends: how a template job's answers are shaped. */
    public static BatchUrl of(Endpoint endpoint) {
        return switch (endpoint) {
            case CHAT -> CHAT;
            case GENERATE -> COMPLETIONS;
            case EMBED -> EMBEDDINGS;
        };
    }

    /** The three urls, for messages. */
    public static String known() {
        return Arrays.stream(values()).map(BatchUrl::path).collect(Collectors.joining(", "));
    }
}

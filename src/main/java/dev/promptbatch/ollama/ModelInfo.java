package dev.promptbatch.ollama;

import java.util.List;
import java.util.Map;

/**
 * A model as {@code GET /api/tags} lists it.
 *
 * @param capabilities what it can do ({@code completion}, {@code thinking}, ...); empty where the server does not say
 * @param details      family, parameter size, quantization level and format, as the server reports them
 */
public record ModelInfo(String name, String digest, List<String> capabilities, Map<String, Object> details) {
    /** Whether a model name as a user writes it ("llama3.2", tag defaulting to latest) names this model. */
    public boolean matches(String requested) {
        String wanted = requested.contains(":") ? requested : requested + ":latest";
        String have = name.contains(":") ? name : name + ":latest";
        return have.equals(wanted);
    }
}

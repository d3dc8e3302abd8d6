package dev.promptbatch.ollama;

import java.util.List;
import java.util.Map;

/**
 * A model as {@code GET /api/tags} lists it. Ollama gives {@code name} and {@code model} alike; servers that
 * emulate Ollama may put their own name in {@code name} and the model's only in {@code model}.
 *
 * @param capabilities what it can do ({@code completion}, {@code thinking}, ...); empty where the server does not say
 * @param details      family, parameter size, quantization level and format, as the server reports them
 */
public record ModelInfo(
        String name, String model, String digest, List<String> capabilities, Map<String, Object> details) {
    /**
     * Whether a model name as a user writes it ("llama3.2", tag defaulting to latest) names this model, by its
     * {@code name} or its {@code model}.
     */
    public boolean matches(String requested) {
        String wanted = withTag(requested);
        return withTag(name).equals(wanted)
                || (!model.isEmpty() && withTag(model).equals(wanted));
    }

    private static String withTag(String modelName) {
        int slash = modelName.lastIndexOf('/');
        return modelName.indexOf(':', slash + 1) >= 0 ? modelName : modelName + ":latest";
    }
}

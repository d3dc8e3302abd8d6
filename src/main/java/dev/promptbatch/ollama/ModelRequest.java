package dev.promptbatch.ollama;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One request that asks a model for an answer: to {@code /api/generate} or to {@code /api/chat}. */
public sealed interface ModelRequest permits GenerateRequest, ChatRequest {
    String model();

    Map<String, Object> options();

    /** The images sent with it, padded standard base64, or null when there are none. */
    List<String> images();

    /** The same request with {@code options.seed} set: a seeded request asked again needs another seed. */
    ModelRequest withSeed(long seed);

    static Map<String, Object> optionsWithSeed(Map<String, Object> options, long seed) {
        Map<String, Object> seeded = options == null ? new LinkedHashMap<>() : new LinkedHashMap<>(options);
        seeded.put("seed", seed);
        return seeded;
    }
}

package dev.promptbatch.ollama;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;

/** One request that asks a model for an answer: to {@code /api/generate} or to {@code /api/chat}. */
public sealed interface ModelRequest permits GenerateRequest, ChatRequest {
    String model();

    Map<String, Object> options();

    /** The images sent with it, padded standard base64, or null when there are none. */
    List<String> images();

    /**
     * The body of the OpenAI Batch line this request was read from, or null for a request made from a template. An
     * OpenAI-compatible server is sent this body as it is (with the run's model and seed); an Ollama server is sent
     * its translation, the rest of this request.
     */
    JsonNode batchBody();

    /** The same request with {@code options.seed} set: a seeded request asked again needs another seed. */
    ModelRequest withSeed(long seed);

    static Map<String, Object> optionsWithSeed(Map<String, Object> options, long seed) {
        Map<String, Object> seeded = options == null ? new LinkedHashMap<>() : new LinkedHashMap<>(options);
        seeded.put("seed", seed);
        return seeded;
    }
}

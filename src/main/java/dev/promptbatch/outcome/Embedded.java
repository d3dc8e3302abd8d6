package dev.promptbatch.outcome;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;

/**
 * One record's embedding: an output record of an embed job. The statistics, latency and attempts are those of the
 * request that carried the record's batch, the same on every record of it.
 *
 * @param line      the record's physical line in the input file
 * @param embedding the vector, an array of numbers as the server sent it; for an OpenAI Batch line whose
 *                  {@code input} is a list, the list of its vectors
 * @param batch     1-based number of the request within its pass
 * @param batchSize the records that request carried
 * @param input     the spec's {@code include} fields, in the spec's order
 */
public record Embedded(
        Object id,
        long line,
        Cell cell,
        String server,
        JsonNode embedding,
        long batch,
        int batchSize,
        Long promptEvalCount,
        Long totalDuration,
        Long loadDuration,
        long latencyMs,
        int attempts,
        Map<String, JsonNode> input)
        implements Outcome {
    /** Embeddings take no seed. */
    @Override
    public Number seed() {
        return null;
    }

    /** The length of a vector. */
    public int dimensions() {
        return embedding.size() > 0 && embedding.get(0).isArray()
                ? embedding.get(0).size()
                : embedding.size();
    }

    /** The vectors: one, or an OpenAI Batch line's list. */
    public List<JsonNode> vectors() {
        if (embedding.size() > 0 && embedding.get(0).isArray()) {
            List<JsonNode> all = new ArrayList<>();
            embedding.forEach(all::add);
            return all;
        }
        return List.of(embedding);
    }
}

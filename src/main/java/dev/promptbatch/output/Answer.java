package dev.promptbatch.output;

import java.util.Map;

import dev.promptbatch.ollama.GenerateResponse;
import tools.jackson.databind.JsonNode;

/**
 * One output record.
 *
 * @param line    the record's physical line in the input file: it tells apart records that share an id
 * @param cell    the model and sweep coordinates
 * @param seed    the seed sent, or null
 * @param input   the spec's {@code include} fields, in the spec's order
 */
public record Answer(Object id, long line, Cell cell, Number seed, GenerateResponse response, long latencyMs,
        int attempts, Map<String, JsonNode> input) implements Outcome {
    @Override
    public String model() {
        return cell.model();
    }


    /** eval_count over eval_duration in seconds, or null where Ollama left either out. */
    public Double tokensPerSecond() {
        Long count = response.evalCount();
        Long nanos = response.evalDuration();
        if (count == null || nanos == null || nanos <= 0) {
            return null;
        }
        return Math.round(count * 1e9 / nanos * 100) / 100.0;
    }
}

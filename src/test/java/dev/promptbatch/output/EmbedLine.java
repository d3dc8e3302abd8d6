package dev.promptbatch.output;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One line of an embed job's output, written by hand in the agreed order: {@code id}, {@code line}, {@code model},
 * {@code server}, {@code variant} and {@code repeat} when swept, {@code embedding}, {@code dimensions}, {@code batch},
 * {@code batch_size}, the request's statistics, {@code latency_ms}, {@code attempts}.
 */
public record EmbedLine(
        String id,
        long line,
        String model,
        String server,
        Integer variant,
        Integer repeat,
        double[] embedding,
        int batch,
        int batchSize,
        Long promptEvalCount,
        Long totalDuration,
        Long loadDuration,
        long latencyMs,
        int attempts) {
    public static final String SERVER = "http://127.0.0.1:11434";

    /** A record alone in its request, one that took 10 ms and 5 prompt tokens. */
    public static EmbedLine of(String id, long line, String model, double... embedding) {
        return new EmbedLine(id, line, model, SERVER, null, null, embedding, 1, 1, 5L, 9_000_000L, 0L, 10, 1);
    }

    /** In request {@code batch} of its pass, with that request's statistics. */
    public EmbedLine inBatch(int number, int size, Long promptTokens, long latency) {
        return new EmbedLine(
                id,
                line,
                model,
                server,
                variant,
                repeat,
                embedding,
                number,
                size,
                promptTokens,
                totalDuration,
                loadDuration,
                latency,
                attempts);
    }

    public EmbedLine on(String otherServer) {
        return new EmbedLine(
                id,
                line,
                model,
                otherServer,
                variant,
                repeat,
                embedding,
                batch,
                batchSize,
                promptEvalCount,
                totalDuration,
                loadDuration,
                latencyMs,
                attempts);
    }

    public EmbedLine inPass(Integer otherVariant, Integer otherRepeat) {
        return new EmbedLine(
                id,
                line,
                model,
                server,
                otherVariant,
                otherRepeat,
                embedding,
                batch,
                batchSize,
                promptEvalCount,
                totalDuration,
                loadDuration,
                latencyMs,
                attempts);
    }

    public String json() {
        List<String> numbers = new ArrayList<>();
        for (double value : embedding) {
            numbers.add(String.valueOf(value));
        }
        return "{\"id\":\"" + id + "\",\"line\":" + line + ",\"model\":\"" + model + "\",\"server\":\"" + server + "\""
                + (variant == null ? "" : ",\"variant\":" + variant)
                + (repeat == null ? "" : ",\"repeat\":" + repeat)
                + ",\"embedding\":[" + String.join(",", numbers) + "],\"dimensions\":" + embedding.length
                + ",\"batch\":" + batch + ",\"batch_size\":" + batchSize
                + ",\"prompt_eval_count\":" + Objects.toString(promptEvalCount, "null")
                + ",\"total_duration\":" + Objects.toString(totalDuration, "null")
                + ",\"load_duration\":" + Objects.toString(loadDuration, "null")
                + ",\"latency_ms\":" + latencyMs + ",\"attempts\":" + attempts + "}";
    }
}

package dev.promptbatch.outcome;

import java.util.Map;

import tools.jackson.databind.JsonNode;

import dev.promptbatch.spec.Endpoint;

/**
 * One output record.
 *
 * @param line    the record's physical line in the input file: it tells apart records that share an id
 * @param cell    the model and sweep coordinates
 * @param server  the server that answered (its URL without credentials)
 * @param seed    the seed that produced the answer (a re-ask under a {@code format} uses the next), or null
 * @param input   the spec's {@code include} fields, in the spec's order
 * @param json    the parsed answer, for a job with a {@code format}; else null
 * @param reasks  how many times the answer was asked for again under a {@code format}: a seeded request's pass seed
 *                is {@code seed - reasks}
 * @param endpoint the endpoint an OpenAI Batch line asked (chat or generate), which shapes its output line; null
 *                for the job's own
 * @param cached  whether the answer came from the cache, without a request: it is then the answer as first received
 */
public record Answer(
        Object id,
        long line,
        Cell cell,
        Number seed,
        GenerateResponse response,
        long latencyMs,
        int attempts,
        String server,
        Map<String, JsonNode> input,
        JsonNode json,
        int reasks,
        Endpoint endpoint,
        boolean cached)
        implements Outcome {
    /** An answer just received from a server. */
    public Answer(
            Object id,
            long line,
            Cell cell,
            Number seed,
            GenerateResponse response,
            long latencyMs,
            int attempts,
            String server,
            Map<String, JsonNode> input,
            JsonNode json,
            int reasks,
            Endpoint endpoint) {
        this(id, line, cell, seed, response, latencyMs, attempts, server, input, json, reasks, endpoint, false);
    }

    /** An answer to a request of the job's own endpoint. */
    public Answer(
            Object id,
            long line,
            Cell cell,
            Number seed,
            GenerateResponse response,
            long latencyMs,
            int attempts,
            String server,
            Map<String, JsonNode> input,
            JsonNode json,
            int reasks) {
        this(id, line, cell, seed, response, latencyMs, attempts, server, input, json, reasks, null);
    }

    /** An answer of a job without a {@code format}. */
    public Answer(
            Object id,
            long line,
            Cell cell,
            Number seed,
            GenerateResponse response,
            long latencyMs,
            int attempts,
            String server,
            Map<String, JsonNode> input) {
        this(id, line, cell, seed, response, latencyMs, attempts, server, input, null, 0, null);
    }

    /** Where {@link #tokensPerSecond()} comes from: {@code server} or {@code client}; null when there is none. */
    public static final String SERVER = "server";

    public static final String CLIENT = "client";

    /** No real generation takes less than a microsecond per token; a server that says so does not measure. */
    public static final long FASTEST_PLAUSIBLE_NANOS_PER_TOKEN = 1_000;

    /**
     * Generated tokens per second: eval_count over the server's eval_duration where that is plausible, else over the
     * latency this client measured (which also holds the prompt's evaluation and any wait, so it is lower). Null
     * when nothing was generated, or neither time is known.
     */
    public Double tokensPerSecond() {
        Long count = response.evalCount();
        if (count == null || count <= 0) {
            return null;
        }
        if (serverTimed()) {
            return round(count * 1e9 / response.evalDuration());
        }
        return latencyMs > 0 ? round(count * 1e3 / latencyMs) : null;
    }

    /** {@link #SERVER} or {@link #CLIENT}: whose time {@link #tokensPerSecond()} used; null without a speed. */
    public String tokensPerSecondSource() {
        return tokensPerSecond() == null ? null : serverTimed() ? SERVER : CLIENT;
    }

    private boolean serverTimed() {
        Long count = response.evalCount();
        Long nanos = response.evalDuration();
        return count != null && nanos != null && nanos >= count * FASTEST_PLAUSIBLE_NANOS_PER_TOKEN;
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }
}

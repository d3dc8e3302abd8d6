package dev.promptbatch.simulator;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code options} of a generate request, type-checked the way Ollama's {@code Options.FromMap} does it.
 *
 * @param seed        {@code options.seed}, null when absent
 * @param numPredict  {@code options.num_predict}, null when absent
 * @param temperature {@code options.temperature}, null when absent
 * @param canonical   the recognised options in key order with normalised values: what the answer depends on
 */
record GenerationOptions(Long seed, Long numPredict, Double temperature, SortedMap<String, String> canonical) {

    private enum Type {
        INTEGER,
        FLOAT,
        BOOLEAN,
        STRINGS
    }

    /** Ollama's {@code api.Options} and {@code api.Runner} fields; other keys are ignored, as Ollama does. */
    private static final Map<String, Type> KNOWN = Map.ofEntries(
            Map.entry("num_keep", Type.INTEGER),
            Map.entry("seed", Type.INTEGER),
            Map.entry("num_predict", Type.INTEGER),
            Map.entry("top_k", Type.INTEGER),
            Map.entry("repeat_last_n", Type.INTEGER),
            Map.entry("num_ctx", Type.INTEGER),
            Map.entry("num_batch", Type.INTEGER),
            Map.entry("num_gpu", Type.INTEGER),
            Map.entry("main_gpu", Type.INTEGER),
            Map.entry("num_thread", Type.INTEGER),
            Map.entry("draft_num_predict", Type.INTEGER),
            Map.entry("top_p", Type.FLOAT),
            Map.entry("min_p", Type.FLOAT),
            Map.entry("typical_p", Type.FLOAT),
            Map.entry("temperature", Type.FLOAT),
            Map.entry("repeat_penalty", Type.FLOAT),
            Map.entry("presence_penalty", Type.FLOAT),
            Map.entry("frequency_penalty", Type.FLOAT),
            Map.entry("use_mmap", Type.BOOLEAN),
            Map.entry("stop", Type.STRINGS));

    /**
     * Checks and normalises the options.
     *
     * @throws RequestRefusedException 500 {@code option "seed" must be of type integer} and the like: Ollama raises
     *                                  these while scheduling, so they are not 400s
     */
    static GenerationOptions parse(ObjectNode options) throws RequestRefusedException {
        SortedMap<String, String> canonical = new TreeMap<>();
        for (Map.Entry<String, JsonNode> option : options.properties()) {
            String key = option.getKey();
            JsonNode value = option.getValue();
            Type type = KNOWN.get(key);
            if (type == null || value.isNull()) {
                continue;
            }
            canonical.put(
                    key,
                    switch (type) {
                        case INTEGER -> {
                            require(value.isNumber(), key, "must be of type integer");
                            // Go decodes every JSON number as float64 and truncates it into int fields.
                            yield Long.toString(
                                    value.isIntegralNumber() && value.canConvertToLong()
                                            ? value.longValue()
                                            : (long) value.doubleValue());
                        }
                        case FLOAT -> {
                            require(value.isNumber(), key, "must be of type float32");
                            yield Double.toString(value.doubleValue());
                        }
                        case BOOLEAN -> {
                            require(value.isBoolean(), key, "must be of type boolean");
                            yield Boolean.toString(value.booleanValue());
                        }
                        case STRINGS -> {
                            require(value.isArray(), key, "must be of type array");
                            for (JsonNode item : value) {
                                require(item.isString(), key, "must be of an array of strings");
                            }
                            yield Exchanges.MAPPER.writeValueAsString(value);
                        }
                    });
        }
        Long seed = canonical.containsKey("seed") ? Long.valueOf(canonical.get("seed")) : null;
        Long numPredict = canonical.containsKey("num_predict") ? Long.valueOf(canonical.get("num_predict")) : null;
        Double temperature = canonical.containsKey("temperature") ? Double.valueOf(canonical.get("temperature")) : null;
        if (temperature != null && temperature == 0) {
            // Greedy decoding ignores the seed, so it must not change the answer either.
            canonical.remove("seed");
        }
        return new GenerationOptions(seed, numPredict, temperature, Collections.unmodifiableSortedMap(canonical));
    }

    /** Whether the answer is reproducible: a seed (negative means random, like Ollama's -1) or temperature 0. */
    boolean deterministic() {
        return (seed != null && seed >= 0) || (temperature != null && temperature == 0);
    }

    /** The token budget, or 0 for none ({@code num_predict} <= 0 means no limit). */
    long tokenLimit() {
        return numPredict != null && numPredict > 0 ? numPredict : 0;
    }

    private static void require(boolean condition, String key, String message) throws RequestRefusedException {
        if (!condition) {
            throw new RequestRefusedException(500, "option " + GoFormats.quote(key) + " " + message);
        }
    }
}

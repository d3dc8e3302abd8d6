package dev.promptbatch.simulator;

import java.util.List;

import tools.jackson.databind.JsonNode;

/**
 * Whether a structured answer ({@code format} set) is good, and how it is bad otherwise. Small models break JSON now
 * and then even under a grammar, or run out of tokens mid-object; the simulator does the same at
 * {@link SimulatorSettings#invalidJsonRate()}, chosen from the request's seed and prompt alone so that a test can
 * predict which requests get a bad answer.
 */
public enum AnswerQuality {
    /** JSON that matches the schema. */
    VALID,
    /** Not JSON: a stray comma before the final brace. */
    BROKEN_JSON,
    /** Cut in the middle with {@code done_reason: "length"}, as when {@code num_predict} runs out. */
    CUT_SHORT,
    /** JSON that breaks the schema: a required property missing or a value of the wrong type. */
    SCHEMA_MISMATCH;

    /**
     * @param rate   the share of bad answers, 0 to 1
     * @param seed   {@code options.seed}, null when absent
     * @param prompt the prompt, or the last user message of a chat
     * @param format null, {@code "json"} or a JSON Schema
     */
    static AnswerQuality decide(double rate, Long seed, String prompt, JsonNode format) {
        if (format == null || rate <= 0) {
            return VALID;
        }
        SplitMix64 random = SplitMix64.of(List.of("answer-quality", String.valueOf(seed), prompt));
        if (random.nextDouble() >= rate) {
            return VALID;
        }
        // Without a schema every JSON object is right, so only broken and cut answers are wrong.
        boolean schema = format.isObject();
        return switch (random.nextInt(schema ? 3 : 2)) {
            case 0 -> BROKEN_JSON;
            case 1 -> CUT_SHORT;
            default -> SCHEMA_MISMATCH;
        };
    }
}

package dev.promptbatch.outcome;

/**
 * One cell of a run's matrix, and so one pass over the input: a model and the sweep coordinates the spec has.
 *
 * @param variant 0-based index into {@code variants}, or null without variants
 * @param seed    the seed from {@code seeds}, or null when the spec does not sweep seeds
 * @param repeat  0-based repetition, or null without {@code repeat}
 */
public record Cell(String model, Integer variant, Long seed, Integer repeat) {}

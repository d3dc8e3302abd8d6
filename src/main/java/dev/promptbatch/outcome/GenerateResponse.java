package dev.promptbatch.outcome;

/**
 * A complete answer ({@code done: true}). Statistics Ollama left out are null, not 0; durations are nanoseconds.
 */
public record GenerateResponse(
        String response,
        String thinking,
        String doneReason,
        Long promptEvalCount,
        Long evalCount,
        Long totalDuration,
        Long loadDuration,
        Long promptEvalDuration,
        Long evalDuration) {}

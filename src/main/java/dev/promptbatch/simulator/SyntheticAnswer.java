package dev.promptbatch.simulator;

import java.util.List;

/**
 * One answer of the simulated model, split into the pieces a stream sends one per chunk.
 *
 * @param evalCount       generated tokens, thinking included (Ollama's {@code eval_count})
 * @param doneReason      {@code stop}, or {@code length} when {@code num_predict} cut the answer
 * @param promptEvalCount prompt tokens (Ollama's {@code prompt_eval_count})
 */
record SyntheticAnswer(
        List<String> thinkingPieces,
        List<String> responsePieces,
        int evalCount,
        String doneReason,
        int promptEvalCount) {

    String thinking() {
        return String.join("", thinkingPieces);
    }

    String response() {
        return String.join("", responsePieces);
    }
}

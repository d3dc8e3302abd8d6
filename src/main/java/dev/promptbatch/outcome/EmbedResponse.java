package dev.promptbatch.outcome;

import java.util.List;

import tools.jackson.databind.JsonNode;

/**
 * Ollama's answer to one {@code /api/embed} request: one vector per input, in input order, as the server sent them
 * (Ollama normalises them; they are not touched here). Statistics Ollama left out are null; durations are nanoseconds.
 */
public record EmbedResponse(List<JsonNode> embeddings, Long promptEvalCount, Long totalDuration, Long loadDuration) {}

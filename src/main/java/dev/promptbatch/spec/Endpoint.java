package dev.promptbatch.spec;

/** The Ollama endpoint a job's requests go to: spec key {@code endpoint}. */
public enum Endpoint {
    /** {@code POST /api/generate}: a prompt, with an optional system text. */
    GENERATE,
    /** {@code POST /api/chat}: a list of messages. */
    CHAT,
    /** {@code POST /api/embed}: the rendered prompt, embedded. */
    EMBED
}

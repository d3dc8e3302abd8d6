package dev.promptbatch.spec;

import java.util.Locale;

/** The Ollama endpoint a job's requests go to: spec key {@code endpoint}. */
public enum Endpoint {
    /** {@code POST /api/generate}: a prompt, with an optional system text. */
    GENERATE,
    /** {@code POST /api/chat}: a list of messages. */
    CHAT,
    /** {@code POST /api/embed}: the rendered prompt, embedded, many records per request. */
    EMBED;

    /** The name the spec uses: {@code generate}, {@code chat} or {@code embed}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}

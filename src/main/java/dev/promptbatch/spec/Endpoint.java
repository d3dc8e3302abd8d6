package dev.promptbatch.spec;

import java.util.Locale;

/** The spec's {@code endpoint}: which Ollama API the job's requests go to. */
public enum Endpoint {
    GENERATE,
    CHAT,
    EMBED;

    /** The name the spec uses: {@code generate}, {@code chat} or {@code embed}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}

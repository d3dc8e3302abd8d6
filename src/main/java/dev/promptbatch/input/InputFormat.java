package dev.promptbatch.input;

import java.nio.file.Path;
import java.util.Locale;

/** How an input file's lines become records: spec key {@code input-format}, by default the file's extension. */
public enum InputFormat {
    /** CSV with a header row. */
    CSV,
    /** JSON Lines: one record (a JSON object) per line. */
    JSONL,
    /** OpenAI Batch requests: one {@code {custom_id, method, url, body}} per line, each line its own request. */
    OPENAI_BATCH;

    /** The name the spec uses: {@code csv}, {@code jsonl} or {@code openai-batch}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The format a file's extension implies, or null when it implies none. */
    public static InputFormat byExtension(Path file) {
        String name = file.getFileName().toString();
        if (name.endsWith(".csv")) {
            return CSV;
        }
        return name.endsWith(".jsonl") ? JSONL : null;
    }
}

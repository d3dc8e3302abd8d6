package dev.promptbatch.output;

import java.nio.file.Path;
import java.util.Locale;

/** The shape of the output lines: spec key {@code output-format}, by default the file's extension. */
public enum OutputFormat {
    /** PromptBatch's own record per answer, as JSON Lines. */
    JSONL,
    /** PromptBatch's own record per answer, as CSV. */
    CSV,
    /** OpenAI's Batch output lines ({@code id, custom_id, response, error}), as JSON Lines. */
    OPENAI_BATCH;

    /** The name the spec uses: {@code jsonl}, {@code csv} or {@code openai-batch}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The format a file's extension implies, or null when it implies none. */
    public static OutputFormat byExtension(Path file) {
        String name = file.getFileName().toString();
        if (name.endsWith(".csv")) {
            return CSV;
        }
        return name.endsWith(".jsonl") ? JSONL : null;
    }
}

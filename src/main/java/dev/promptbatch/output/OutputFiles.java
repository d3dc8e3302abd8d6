package dev.promptbatch.output;

import java.nio.file.Path;

/**
 * The files written beside the output: for {@code NAME.jsonl} (or {@code .csv}), {@code NAME.errors.jsonl} and
 * {@code NAME.summary.csv}.
 */
public record OutputFiles(Path output, Path errors, Path summary) {
    public static OutputFiles of(Path output) {
        String file = output.getFileName().toString();
        String base = file.substring(0, file.lastIndexOf('.'));
        return new OutputFiles(
                output, output.resolveSibling(base + ".errors.jsonl"), output.resolveSibling(base + ".summary.csv"));
    }

    public boolean csv() {
        return output.getFileName().toString().endsWith(".csv");
    }
}

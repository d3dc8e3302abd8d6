package dev.promptbatch.output;

import java.nio.file.Path;

/** The files written beside the output: for {@code NAME.jsonl} (or {@code .csv}), {@code NAME.errors.jsonl}. */
public record OutputFiles(Path output, Path errors) {
    public static OutputFiles of(Path output) {
        String file = output.getFileName().toString();
        String base = file.substring(0, file.lastIndexOf('.'));
        return new OutputFiles(output, output.resolveSibling(base + ".errors.jsonl"));
    }

    public boolean csv() {
        return output.getFileName().toString().endsWith(".csv");
    }
}

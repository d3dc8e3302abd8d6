package dev.promptbatch.job;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.promptbatch.spec.JobSpec;
import dev.promptbatch.spec.SpecLoader;

/** Job {@code a} in a folder: {@code in.csv} with records {@code N,record N}, one model, the given output. */
final class NumberedJob {
    private NumberedJob() {}

    /** @param more further spec lines, such as {@code report: out/a.html} */
    static JobSpec write(Path dir, int records, String output, String more) throws IOException {
        StringBuilder input = new StringBuilder("n,text\n");
        for (int n = 1; n <= records; n++) {
            input.append(n).append(",record ").append(n).append('\n');
        }
        Files.writeString(dir.resolve("in.csv"), input);
        Path file = Files.writeString(dir.resolve("a.yaml"), """
                name: a
                input: in.csv
                id-field: n
                model: llama3.2:3b
                prompt: "{{text}}"
                output: %s
                %s
                """.formatted(output, more));
        return new SpecLoader(dir).load(file, Map.of(), Map.of());
    }
}

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The generated inputs: CSV files {@code id,text} with one record per line, {@code 17,item 17}.
 *
 * <p>Every prompt differs, so the simulator (seeded by the options' seed and the prompt) gives each record its own
 * answer length, the same for every client. Prompts are two words: the simulator evaluates prompts at 4,000
 * tokens/s even when it answers "at once", and a short prompt keeps that out of the overhead figures.
 */
final class Inputs {

    private Inputs() {
    }

    /** The CSV with this many records, written once and reused by later runs and later invocations. */
    static Path csv(Path dir, int records) throws IOException {
        Path file = dir.resolve("records-" + records + ".csv");
        if (Files.exists(file)) {
            return file;
        }
        Files.createDirectories(dir);
        Path partial = dir.resolve(file.getFileName() + ".partial");
        try (BufferedWriter out = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
            out.write("id,text\n");
            for (int i = 1; i <= records; i++) {
                out.write(i + ",item " + i + "\n");
            }
        }
        // Moved into place only when complete, so an interrupted generation is never mistaken for an input.
        return Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
    }
}

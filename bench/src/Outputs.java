import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the clients' JSONL outputs: to check them, and to recompute the ideal from the answers themselves. */
final class Outputs {

    /** Ollama's durations in every answer; the leading quote keeps "eval_duration" from matching inside another. */
    private static final Pattern SLOT_DURATION = Pattern.compile("\"(?:prompt_eval|eval)_duration\":(\\d+)");

    private Outputs() {
    }

    /** Lines in a file, read in blocks: outputs of a million lines are hundreds of megabytes. */
    static long lineCount(Path file) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        long lines = 0;
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    if (buffer[i] == '\n') {
                        lines++;
                    }
                }
            }
        }
        return lines;
    }

    /**
     * The slot time the answers say they took: prompt evaluation plus generation, as the simulator computed them
     * from token counts and speeds. Unlike the simulator's measured slot-busy time it holds no timer lateness, so
     * it is the same for every run of the same records; a gap between the two shows a loaded machine.
     */
    static long nominalSlotNanos(Path file) throws IOException {
        long total = 0;
        try (BufferedReader lines = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                Matcher duration = SLOT_DURATION.matcher(line);
                while (duration.find()) {
                    total += Long.parseLong(duration.group(1));
                }
            }
        }
        return total;
    }
}

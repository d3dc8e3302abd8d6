import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the clients' JSONL outputs: to check them, and to recompute the ideal from the answers themselves. */
final class Outputs {

    /** Ollama's durations in every answer; the leading quote keeps "eval_duration" from matching inside another. */
    static final Pattern SLOT_DURATION = Pattern.compile("\"(?:prompt_eval|eval)_duration\":(\\d+)");

    /** The record's id: the first key of that name outside a string (quotes inside strings are escaped). */
    private static final Pattern ID = Pattern.compile("[{,]\\s*\"id\"\\s*:\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|[^,}]+)");
    /** The server that answered the record, as PromptBatch writes it: its URL without credentials. */
    private static final Pattern SERVER = Pattern.compile("\"server\"\\s*:\\s*\"([^\"]*)\"");
    /** Tokens generated; the leading quote keeps "prompt_eval_count" from matching. */
    private static final Pattern EVAL_COUNT = Pattern.compile("\"eval_count\"\\s*:\\s*(\\d+)");

    /** What the answers of one server add up to. */
    record ServerTally(long answers, long evalTokens, long slotNanos) {

        ServerTally plus(ServerTally other) {
            return new ServerTally(answers + other.answers, evalTokens + other.evalTokens, slotNanos + other.slotNanos);
        }
    }

    /**
     * An output of a run over several servers, answer by answer.
     *
     * @param byServer       per server URL (trailing slash removed), in order of first appearance
     * @param withoutServer  lines with no {@code server} field
     */
    record FleetTally(long lines, long distinctIds, long withoutServer, Map<String, ServerTally> byServer) {

        ServerTally of(String url) {
            return byServer.getOrDefault(withoutTrailingSlash(url), new ServerTally(0, 0, 0));
        }

        long evalTokens() {
            return byServer.values().stream().mapToLong(ServerTally::evalTokens).sum();
        }
    }

    private Outputs() {
    }

    static String withoutTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /**
     * Reads each answer's {@code server}, {@code eval_count} and slot durations, and counts the distinct ids. For runs
     * of thousands of records: the ids are kept.
     */
    static FleetTally tallyByServer(Path file) throws IOException {
        long lines = 0;
        long withoutServer = 0;
        Set<String> ids = new HashSet<>();
        Map<String, ServerTally> byServer = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return new FleetTally(0, 0, 0, byServer);
        }
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lines++;
                Matcher id = ID.matcher(line);
                if (id.find()) {
                    ids.add(id.group(1).trim());
                }
                Matcher server = SERVER.matcher(line);
                if (!server.find()) {
                    withoutServer++;
                    continue;
                }
                Matcher evalCount = EVAL_COUNT.matcher(line);
                long tokens = evalCount.find() ? Long.parseLong(evalCount.group(1)) : 0;
                long slotNanos = 0;
                Matcher duration = SLOT_DURATION.matcher(line);
                while (duration.find()) {
                    slotNanos += Long.parseLong(duration.group(1));
                }
                byServer.merge(withoutTrailingSlash(server.group(1)), new ServerTally(1, tokens, slotNanos),
                        ServerTally::plus);
            }
        }
        return new FleetTally(lines, ids.size(), withoutServer, byServer);
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

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Heap figures of a child JVM, read from its {@code -Xlog:gc,gc+heap+exit} log.
 *
 * <p>Between two collections the heap only fills, so its peak occupancy is the largest "before" figure of a pause
 * ({@code 54M->10M(576M)}), or the occupancy at exit if that is larger. The "after" figure is what survived a
 * collection: the live data, which is what must stay flat as the input grows.
 *
 * @param peakUsedBytes    the most heap in use at any time
 * @param maxAfterGcBytes  the most heap still in use after a collection (0 if there was none)
 * @param maxCommittedBytes the most heap the JVM reserved from the OS, which is what RSS sees
 */
record Heap(long peakUsedBytes, long maxAfterGcBytes, long maxCommittedBytes) {

    private static final Pattern PAUSE = Pattern.compile(
            "Pause .*?(\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");
    /** One line per heap space at exit: "garbage-first heap total 110592K, used 51472K [...". */
    private static final Pattern AT_EXIT = Pattern.compile("total (\\d+)K, used (\\d+)K");

    static final Heap UNKNOWN = new Heap(0, 0, 0);

    static Heap parse(Path log) {
        if (!Files.exists(log)) {
            return UNKNOWN;
        }
        long peak = 0;
        long afterGc = 0;
        long committed = 0;
        long usedAtExit = 0;
        long committedAtExit = 0;
        try (Stream<String> lines = Files.lines(log)) {
            for (String line : (Iterable<String>) lines::iterator) {
                Matcher pause = PAUSE.matcher(line);
                Matcher exit = AT_EXIT.matcher(line);
                if (pause.find()) {
                    peak = Math.max(peak, bytes(pause.group(1), pause.group(2)));
                    afterGc = Math.max(afterGc, bytes(pause.group(3), pause.group(4)));
                    committed = Math.max(committed, bytes(pause.group(5), pause.group(6)));
                } else if (line.contains("gc,heap,exit") && exit.find()) {
                    committedAtExit += Long.parseLong(exit.group(1)) * 1024;
                    usedAtExit += Long.parseLong(exit.group(2)) * 1024; // summed over spaces for other collectors
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Heap(Math.max(peak, usedAtExit), afterGc, Math.max(committed, committedAtExit));
    }

    private static long bytes(String number, String unit) {
        long value = Long.parseLong(number);
        return switch (unit) {
            case "K" -> value << 10;
            case "M" -> value << 20;
            default -> value << 30;
        };
    }
}

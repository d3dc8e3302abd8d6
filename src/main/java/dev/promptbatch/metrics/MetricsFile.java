package dev.promptbatch.metrics;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.promptbatch.output.WritableFiles;

/**
 * The metrics file, {@code PATH.prom}: replaced whole each time, by a temporary file in the same folder renamed over
 * it, so that a collector reading it (node_exporter's textfile collector) never sees half a file.
 */
public final class MetricsFile {
    private final Path file;

    public MetricsFile(Path file) {
        this.file = file;
    }

    public Path path() {
        return file;
    }

    /**
     * Why the file cannot be written, or empty when it can. Unlike the output's, its folder is not created: it is
     * usually a collector's, and a folder that is not there is more likely a mistake than a new place.
     */
    public static Optional<String> problem(Path file) {
        if (!file.getFileName().toString().endsWith(".prom")) {
            return Optional.of("a file ending in .prom, got '" + file.getFileName() + "'");
        }
        Path folder = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(folder)) {
            return Optional.of("the folder " + folder + " does not exist");
        }
        if (Files.isDirectory(file)) {
            return Optional.of(file + " is a folder, not a file");
        }
        return WritableFiles.folderProblem(folder).map(problem -> "cannot write in " + folder + ": " + problem);
    }

    /** Replaces the file with the text: written and synced under a temporary name, then renamed over it. */
    public void write(String text) throws IOException {
        Path folder = file.toAbsolutePath().getParent();
        Path temporary = Files.createTempFile(folder, "." + file.getFileName() + ".", ".tmp");
        try {
            // A collector runs as another user: the file is readable by all, as a file created by a shell would be.
            if (folder.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-r--r--"));
            }
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            Files.move(
                    temporary,
                    file.toAbsolutePath(),
                    StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /**
     * The values of one gauge for the job, per model, as the file now holds them; none when there is no file. Lines
     * it cannot read (not written by PromptBatch) are passed over.
     */
    public Map<String, Double> gauge(String name, String job) throws IOException {
        Map<String, Double> values = new HashMap<>();
        if (!Files.isRegularFile(file)) {
            return values;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            Sample.parse(line)
                    .filter(sample -> sample.name().equals(name)
                            && job.equals(sample.labels().get("job"))
                            && sample.labels().containsKey("model"))
                    .ifPresent(sample -> values.put(sample.labels().get("model"), sample.value()));
        }
        return values;
    }

    /**
     * One sample line of the text format, {@code name{label="value",...} value}, as {@link RunMetrics} writes it:
     * label values escape backslash, double quote and line feed.
     */
    record Sample(String name, Map<String, String> labels, double value) {
        static Optional<Sample> parse(String line) {
            if (line.isBlank() || line.startsWith("#")) {
                return Optional.empty();
            }
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            if (space < 0) {
                return Optional.empty();
            }
            Map<String, String> labels = new HashMap<>();
            int end = space;
            if (brace >= 0 && brace < space) {
                end = labels(line, brace + 1, labels);
                if (end < 0) {
                    return Optional.empty();
                }
            }
            String name = line.substring(0, brace >= 0 && brace < space ? brace : space);
            List<String> rest = List.of(line.substring(end).trim().split("\\s+"));
            try {
                return Optional.of(new Sample(name, labels, Double.parseDouble(rest.get(0))));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }

        /** Reads {@code label="value",...}} from {@code at}; returns the index after the closing brace, or -1. */
        private static int labels(String line, int at, Map<String, String> labels) {
            int i = at;
            while (i < line.length() && line.charAt(i) != '}') {
                int equals = line.indexOf("=\"", i);
                if (equals < 0) {
                    return -1;
                }
                String label = line.substring(i, equals).trim();
                StringBuilder value = new StringBuilder();
                i = equals + 2;
                while (i < line.length() && line.charAt(i) != '"') {
                    char c = line.charAt(i);
                    if (c == '\\' && i + 1 < line.length()) {
                        char next = line.charAt(++i);
                        value.append(next == 'n' ? '\n' : next);
                    } else {
                        value.append(c);
                    }
                    i++;
                }
                if (i >= line.length()) {
                    return -1;
                }
                labels.put(label, value.toString());
                i++;
                if (i < line.length() && line.charAt(i) == ',') {
                    i++;
                }
            }
            return i < line.length() ? i + 1 : -1;
        }
    }
}

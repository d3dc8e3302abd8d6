package dev.promptbatch.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;

/** What a command sees of the outside: environment variables, the working directory, stdout and stderr. */
public record CliEnvironment(Map<String, String> variables, Path workingDirectory, PrintWriter out, PrintWriter err) {

    public static CliEnvironment system() {
        return new CliEnvironment(
                System.getenv(),
                Path.of("").toAbsolutePath(),
                new PrintWriter(System.out, true),
                new PrintWriter(System.err, true));
    }

    /**
     * A file as the user would write it here: relative to the working directory when it is below it, else the
     * absolute path (a path that climbs out with {@code ..} is harder to read than the one the user gave).
     */
    public Path shown(Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        return absolute.startsWith(workingDirectory) ? workingDirectory.relativize(absolute) : absolute;
    }
}

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
}

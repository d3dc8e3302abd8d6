package dev.promptbatch.cli;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * {@code java -jar promptbatch.jar ...} as a child process in a working directory, its output kept in files. The
 * run's Spring context comes from the code the build generated for it, as under {@code bin/promptbatch}; the tests
 * in this process start it the other way, from its annotations, as plain {@code java -jar} does.
 */
final class ChildRun {
    private static final Path JAR = Path.of(System.getProperty("promptbatch.jar", "target/promptbatch.jar"));
    private static int runs;

    final Process process;
    final Path stdout;
    final Path stderr;

    private ChildRun(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    static ChildRun start(Path dir, String... args) {
        return startWrapped(dir, List.of(), args);
    }

    /** Starts the jar through a wrapper command, such as one that runs it in a mount namespace of its own. */
    static ChildRun startWrapped(Path dir, List<String> wrapper, String... args) {
        return start(dir, wrapper, Map.of(), args);
    }

    /** Starts the jar with these environment variables added to this process's. */
    static ChildRun startWithEnvironment(Path dir, Map<String, String> environment, String... args) {
        return start(dir, List.of(), environment, args);
    }

    private static ChildRun start(Path dir, List<String> wrapper, Map<String, String> environment, String... args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(wrapper);
        command.addAll(List.of(
                java, "-Dspring.aot.enabled=true", "-jar", JAR.toAbsolutePath().toString()));
        command.addAll(List.of(args));
        int run = ++runs;
        Path out = dir.resolve("child-" + run + ".out");
        Path err = dir.resolve("child-" + run + ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().putAll(environment);
            Process process = builder.directory(dir.toFile())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(new File("/dev/null"))
                    .start();
            return new ChildRun(process, out, err);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for the exit code, failing after the given seconds. */
    int exitCode(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("no exit within " + seconds + " s; stderr: " + text(stderr));
        }
        return process.exitValue();
    }

    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    void signal(String name) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid()))
                .start()
                .waitFor();
    }

    String out() {
        return text(stdout);
    }

    String err() {
        return text(stderr);
    }

    /** Polls {@code condition} until it holds, failing if the run ends first or a minute passes. */
    static void await(BooleanSupplier condition, ChildRun run) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (!run.process.isAlive()) {
                throw new AssertionError("the run ended before the moment the test waited for: " + run.err());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the moment the test waited for never came: " + run.err());
            }
            Thread.sleep(2);
        }
    }

    /** The lines in a file a run may be writing: 0 while it does not exist or cannot be read. */
    static int lines(Path file) {
        try {
            return Files.exists(file)
                    ? Files.readAllLines(file, StandardCharsets.UTF_8).size()
                    : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** The numeric ids of the answers in a JSON Lines output, in file order. */
    static List<Integer> ids(Path output) throws IOException {
        return Files.readAllLines(output).stream()
                .map(line -> JobFixture.JSON.readTree(line).get("id").asInt())
                .toList();
    }

    private static String text(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package dev.promptbatch.progress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real jar in a child process, under a pseudo-terminal of 40 columns (util-linux {@code script}) and through
 * pipes, on this JDK and on a JDK from 22 on when one is installed: there {@code System.console()} behaves otherwise.
 */
class ProgressTerminalIT {
    private static final Path JAR = Path.of(System.getProperty("promptbatch.jar", "target/promptbatch.jar"));
    private static final int RECORDS = 24;
    /** Two models, two seeds. */
    private static final int ANSWERS = RECORDS * 4;

    /** A draw of the line: back to the first column, the text, erase to the end of the line. */
    private static final Pattern DRAW = Pattern.compile("\r([^\r\n\u001b]+)\u001b\\[K");

    private static final Pattern LOG_LINE = Pattern.compile("\\d\\d:\\d\\d:\\d\\d (INFO|WARN|ERROR) .*");

    @TempDir
    Path dir;

    @BeforeEach
    void writeJob() throws IOException {
        StringBuilder input = new StringBuilder();
        for (int i = 1; i <= RECORDS; i++) {
            input.append("{\"id\": ")
                    .append(i)
                    .append(", \"text\": \"record ")
                    .append(i)
                    .append("\"}\n");
        }
        Files.writeString(dir.resolve("input.jsonl"), input);
        Files.writeString(dir.resolve("sweep.yaml"), """
                name: sweep
                input: input.jsonl
                id-field: id
                models: [llama3.2:3b, qwen2.5:7b]
                prompt: "Summarise {{text}}"
                options: {num_predict: 256}
                seeds: [1, 2]
                output: output/sweep.jsonl
                concurrency: 4
                """);
    }

    /** This JDK, and the first JDK from 22 on under /usr/lib/jvm, if any. */
    static Stream<String> javas() throws IOException {
        List<String> javas = new ArrayList<>();
        javas.add(ProcessHandle.current().info().command().orElse("java"));
        Path jvms = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(jvms)) {
            try (Stream<Path> installed = Files.list(jvms)) {
                installed
                        .filter(jdk -> Files.isExecutable(jdk.resolve("bin/java")) && featureVersion(jdk) >= 22)
                        .sorted()
                        .findFirst()
                        .ifPresent(jdk -> javas.add(jdk.resolve("bin/java").toString()));
            }
        }
        return javas.stream();
    }

    private static int featureVersion(Path jdk) {
        try {
            Matcher version =
                    Pattern.compile("JAVA_VERSION=\"(\\d+)").matcher(Files.readString(jdk.resolve("release")));
            return version.find() ? Integer.parseInt(version.group(1)) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    @ParameterizedTest
    @MethodSource("javas")
    void onATerminalOfFortyColumnsTheLineIsRedrawnInPlaceNeverWiderAndLogLinesGoAboveIt(String java) throws Exception {
        Path capture = dir.resolve("terminal.txt");
        String command =
                "stty cols 40; exec '" + java + "' -jar '" + JAR.toAbsolutePath() + "' run sweep.yaml --simulator";
        Process script = new ProcessBuilder("script", "-q", "-e", "-c", command, "/dev/null")
                .directory(dir.toFile())
                .redirectInput(new File("/dev/null"))
                .redirectOutput(capture.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        assertThat(exitCode(script)).isZero();
        String output = Files.readString(capture, StandardCharsets.UTF_8);

        List<String> draws = new ArrayList<>();
        Matcher draw = DRAW.matcher(output);
        while (draw.find()) {
            draws.add(draw.group(1));
        }
        assertThat(draws).as(output).hasSizeGreaterThanOrEqualTo(2);
        assertThat(draws).allSatisfy(line -> assertThat(line.length()).isLessThan(40));
        assertThat(draws).anySatisfy(line -> assertThat(line).matches(".*\\d+/" + ANSWERS + "  0 failed  ETA .*"));
        assertThat(draws.stream().distinct().count()).isGreaterThanOrEqualTo(2);

        // Every log line starts in the first column: at the start of its row, or right after the line was erased.
        List<String> rows = List.of(output.split("\n"));
        List<String> logRows = rows.stream()
                .map(row -> row.endsWith("\r") ? row.substring(0, row.length() - 1) : row)
                .filter(row -> row.contains(" INFO ") || row.contains(" WARN "))
                .toList();
        assertThat(logRows)
                .isNotEmpty()
                .allSatisfy(row -> assertThat(afterLastErase(row)).matches(LOG_LINE));
        // The second model is loaded while the line is shown: its log line took the line's place.
        assertThat(logRows)
                .anySatisfy(row -> assertThat(row)
                        .matches("(?s).*\r\u001b\\[K\\d\\d:\\d\\d:\\d\\d INFO  Model qwen2.5:7b ready.*"));
        // The result starts in the first column, the line erased before it.
        assertThat(rows).anySatisfy(row -> assertThat(afterLastErase(row)).startsWith("sweep completed in "));
        assertThat(output).doesNotContain("\u001b[?", "\u001b[A", "\u001b[2K");
    }

    @ParameterizedTest
    @MethodSource("javas")
    void throughAPipeProgressIsAPlainLogLineEveryIntervalWithoutOneControlCharacter(String java) throws Exception {
        Process run = child(java, "run", "sweep.yaml", "--simulator", "--progress-interval", "500ms");
        assertThat(exitCode(run)).isZero();
        String out = Files.readString(dir.resolve("stdout.txt"));
        String err = Files.readString(dir.resolve("stderr.txt"));

        assertThat((out + err).chars().filter(c -> c != '\n' && (c < 0x20 || c == 0x7f)))
                .as(err)
                .isEmpty();
        assertThat(err.lines().filter(line -> line.contains(" INFO  Progress: ")))
                .as(err)
                .isNotEmpty()
                .allSatisfy(line -> assertThat(line)
                        .matches(
                                "\\d\\d:\\d\\d:\\d\\d INFO  Progress: (llama3.2:3b|qwen2.5:7b) seed [12] \\(pass [1-4] of 4\\): \\d+ of "
                                        + ANSWERS
                                        + " records done, \\d+ answered, 0 failed, [-0-9.]+ answers/min over the last"
                                        + " minute, ETA [^,]+, in flight \\d"));
        assertThat(out).startsWith("sweep completed in ");
    }

    @Test
    void quietPrintsOnlyWarningsAndTheResult() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process run = child(java, "run", "sweep.yaml", "--simulator", "--quiet", "--param", "unused=1");
        assertThat(exitCode(run)).isZero();
        String out = Files.readString(dir.resolve("stdout.txt"));
        String err = Files.readString(dir.resolve("stderr.txt"));

        assertThat(err.lines().toList())
                .containsExactly("promptbatch: warning: --param unused is used by no ${unused} in sweep.yaml; it still "
                        + "identifies the run, so another value starts another run (--strict-params refuses it)");
        assertThat(out)
                .startsWith("sweep (unused=1) completed in ")
                .contains("Output: output/sweep.jsonl (96 answers)");
    }

    private Process child(String java, String... args) throws IOException {
        List<String> command =
                new ArrayList<>(List.of(java, "-jar", JAR.toAbsolutePath().toString()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectInput(new File("/dev/null"))
                .redirectOutput(dir.resolve("stdout.txt").toFile())
                .redirectError(dir.resolve("stderr.txt").toFile())
                .start();
    }

    private static String afterLastErase(String row) {
        String text = row.endsWith("\r") ? row.substring(0, row.length() - 1) : row;
        int erase = text.lastIndexOf("\u001b[K");
        return erase < 0 ? text : text.substring(erase + 3);
    }

    private static int exitCode(Process process) throws InterruptedException {
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("no exit within 120 s");
        }
        return process.exitValue();
    }
}

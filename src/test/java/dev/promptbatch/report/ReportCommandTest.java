package dev.promptbatch.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.promptbatch.cli.CliEnvironment;
import dev.promptbatch.cli.ExitCode;
import dev.promptbatch.cli.PromptBatchCli;

/** {@code promptbatch report}: through the whole command line, in this JVM, on real files. */
class ReportCommandTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void writesTheReportBesideTheOutput() throws IOException {
        RunFixture.write(dir, true);

        int exit = run("report", "out/sweep.jsonl");

        Path html = dir.resolve("out/sweep.html");
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString().strip()).isEqualTo("Report: " + html);
        assertThat(Files.readString(html)).startsWith("<!DOCTYPE html>").contains("<h1>sweep</h1>");
    }

    @Test
    void writesTheReportWhereOutSays() throws IOException {
        RunFixture.write(dir, true);

        int exit = run("report", "out/sweep.jsonl", "--out", "reports/today.html");

        assertThat(exit).as(err.toString()).isZero();
        assertThat(Files.readString(dir.resolve("reports/today.html"))).contains("<h1>sweep</h1>");
        assertThat(dir.resolve("out/sweep.html")).doesNotExist();
    }

    @Test
    void aMissingOutputIsRefusedWithExitTwo() {
        int exit = run("report", "out/none.jsonl");

        assertThat(exit).isEqualTo(ExitCode.NOTHING_RUN);
        assertThat(err.toString()).startsWith("promptbatch: ").contains("out/none.jsonl");
        assertThat(out.toString()).isEmpty();
        assertThat(dir.resolve("out/none.html")).doesNotExist();
    }

    @Test
    void anUnreadableOutputIsRefusedWithExitTwo() throws IOException {
        Files.writeString(dir.resolve("broken.jsonl"), "{\"id\": \"a\", \"model\": \"m\"}\nnot json at all\n");

        int exit = run("report", "broken.jsonl");

        assertThat(exit).isEqualTo(ExitCode.NOTHING_RUN);
        assertThat(err.toString()).startsWith("promptbatch: ").contains("broken.jsonl");
        assertThat(dir.resolve("broken.html")).doesNotExist();
    }

    @Test
    void refusesToOverwriteTheOutput() throws IOException {
        Path output = RunFixture.write(dir, true);
        String answers = Files.readString(output);

        int exit = run("report", "out/sweep.jsonl", "--out", "out/sweep.jsonl");

        assertThat(exit).isEqualTo(ExitCode.NOTHING_RUN);
        assertThat(Files.readString(output)).isEqualTo(answers);
    }

    private int run(String... args) {
        return PromptBatchCli.execute(
                new CliEnvironment(Map.of(), dir, new PrintWriter(out, true), new PrintWriter(err, true)), args);
    }
}

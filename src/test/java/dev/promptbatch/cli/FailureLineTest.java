package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import dev.promptbatch.job.RunRefusedException;

/** What the user sees when a command ends with an exception: one line on stderr and the exit code, no stack trace. */
class FailureLineTest {
    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();

    @Command(name = "failing")
    static final class FailingCommand implements Callable<Integer> {
        private final RuntimeException failure;

        FailingCommand(RuntimeException failure) {
            this.failure = failure;
        }

        @Override
        public Integer call() {
            throw failure;
        }
    }

    private int execute(RuntimeException failure) {
        return new CommandLine(new FailingCommand(failure))
                .setErr(new PrintWriter(err, true))
                .setExitCodeExceptionMapper(new ExceptionExitCodes())
                .setExecutionExceptionHandler(new FailureLine())
                .execute();
    }

    @Test
    void aRefusalShowsItsOwnMessage() {
        int exit = execute(new RunRefusedException("the output out/a.jsonl is in use by another run"));

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString())
                .isEqualTo("promptbatch: the output out/a.jsonl is in use by another run" + System.lineSeparator());
    }

    @Test
    void anUnexpectedFailureShowsItsMessageAndItsInnermostCauseInOneLine() {
        int exit = execute(new IllegalStateException(
                "Failed to start the context",
                new UncheckedIOException(new AccessDeniedException("out/a.manifest.json"))));

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString())
                .isEqualTo("promptbatch: Failed to start the context: AccessDeniedException: " + "out/a.manifest.json"
                        + System.lineSeparator());
    }

    @Test
    void aFailureWithoutMessageIsNamedByItsKind() {
        int exit = execute(new UnsupportedOperationException());

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("promptbatch: UnsupportedOperationException" + System.lineSeparator());
    }

    @Test
    void aDamagedJobDatabaseIsOneLineNotAStackTrace() throws IOException {
        Files.writeString(dir.resolve("db.script"), "garbage\n");
        StringWriter out = new StringWriter();

        int exit = PromptBatchCli.execute(
                new CliEnvironment(Map.of(), dir, new PrintWriter(out, true), new PrintWriter(err, true)),
                "status",
                "--db",
                "db");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString())
                .isEqualTo("promptbatch: cannot read the job database " + dir.resolve("db")
                        + ": error in script file  line: 1 org.hsqldb.HsqlException: unexpected token: GARBAGE"
                        + System.lineSeparator());
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void theSimulatorNamesItselfInItsMessages() {
        StringWriter out = new StringWriter();

        int exit = PromptBatchCli.execute(
                new CliEnvironment(Map.of(), dir, new PrintWriter(out, true), new PrintWriter(err, true)),
                "simulate",
                "--port",
                "0",
                "--parallel",
                "0");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString())
                .isEqualTo("promptbatch simulate: parallel must be at least 1, got 0" + System.lineSeparator());
        assertThat(out.toString()).isEmpty();
    }
}

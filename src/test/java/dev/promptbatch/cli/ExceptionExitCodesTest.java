package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import dev.promptbatch.input.InputException;
import dev.promptbatch.job.RunRefusedException;
import dev.promptbatch.spec.SpecException;

/** Each kind of exception a command line can end with, and its exit code. */
class ExceptionExitCodesTest {
    @Command(name = "any")
    static final class AnyCommand {}

    private final ExceptionExitCodes codes = new ExceptionExitCodes();
    private final CommandLine commandLine = new CommandLine(new AnyCommand());

    @Test
    void usageErrorsRunNothing() {
        assertThat(codes.getExitCode(new CommandLine.ParameterException(commandLine, "bad value")))
                .isEqualTo(2);
        assertThat(codes.getExitCode(new CommandLine.UnmatchedArgumentException(commandLine, "--bogus")))
                .isEqualTo(2);
        assertThat(codes.getExitCode(new CommandLine.MissingParameterException(
                        commandLine, commandLine.getCommandSpec().args(), "Missing required parameter: 'SPEC'")))
                .isEqualTo(2);
    }

    @Test
    void aBadSpecRunsNothing() {
        assertThat(codes.getExitCode(new SpecException("jobs/a.yaml: model: required")))
                .isEqualTo(2);
    }

    @Test
    void anUnreadableInputRunsNothing() {
        assertThat(codes.getExitCode(new InputException("input/a.csv: no such file")))
                .isEqualTo(2);
        assertThat(codes.getExitCode(new InputException("input/a.csv: cannot read", new IOException("EIO"))))
                .isEqualTo(2);
    }

    @Test
    void aRefusedRunRunsNothing() {
        assertThat(codes.getExitCode(new RunRefusedException("model llama3.2:3b is not on the server")))
                .isEqualTo(2);
    }

    @Test
    void aRefusingCommandRunsNothing() {
        assertThat(codes.getExitCode(new CommandRefusedException("no output file at a.jsonl")))
                .isEqualTo(2);
        assertThat(codes.getExitCode(
                        new CommandRefusedException("cannot start the simulator: bind", new IOException("bind"))))
                .isEqualTo(2);
    }

    @Test
    void anythingElseIsAFailure() {
        assertThat(codes.getExitCode(new IllegalStateException("unexpected"))).isEqualTo(1);
        assertThat(codes.getExitCode(new UncheckedIOException(new AccessDeniedException("out/a.manifest.json"))))
                .isEqualTo(1);
        assertThat(codes.getExitCode(new IOException("disk"))).isEqualTo(1);
        assertThat(codes.getExitCode(new CommandLine.ExecutionException(
                        commandLine, "oom", new OutOfMemoryError("Java heap space"))))
                .isEqualTo(1);
    }

    @Test
    void aRefusalIsKnownByItsKindNotByWhatItWraps() {
        assertThat(codes.getExitCode(new IllegalStateException("context", new SpecException("bad"))))
                .isEqualTo(1);
    }
}

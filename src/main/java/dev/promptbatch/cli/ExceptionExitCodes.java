package dev.promptbatch.cli;

import java.util.List;

import picocli.CommandLine;

import dev.promptbatch.input.InputException;
import dev.promptbatch.job.RunRefusedException;
import dev.promptbatch.spec.SpecException;

/** The exit code of each kind of exception a command line ends with: the one mapping of exceptions to codes. */
final class ExceptionExitCodes implements CommandLine.IExitCodeExceptionMapper {
    /** Exceptions that mean nothing was run, with a message written for the user. */
    private static final List<Class<? extends RuntimeException>> REFUSALS = List.of(
            CommandLine.ParameterException.class,
            SpecException.class,
            InputException.class,
            RunRefusedException.class,
            CommandRefusedException.class);

    /** Whether the failure is a refusal, whose message is written for the user. */
    static boolean refusal(Throwable failure) {
        return REFUSALS.stream().anyMatch(kind -> kind.isInstance(failure));
    }

    @Override
    public int getExitCode(Throwable failure) {
        return refusal(failure) ? ExitCode.NOTHING_RUN : ExitCode.FAILED;
    }
}

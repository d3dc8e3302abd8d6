package dev.promptbatch.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import picocli.CommandLine;

/**
 * Turns the exception a command ends with into one line on stderr, never a stack trace: a refusal's own message;
 * for anything else its message and, unless that says it already, the innermost cause, which names what failed.
 * The exit code is {@link ExceptionExitCodes}'.
 */
final class FailureLine implements CommandLine.IExecutionExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(FailureLine.class);

    @Override
    public int handleExecutionException(
            Exception failure, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        commandLine.getErr().println(prefix(commandLine) + ": " + text(failure));
        // Kept for whoever debugs an unexpected failure with the log level raised.
        log.debug("{} failed", commandLine.getCommandName(), failure);
        return commandLine.getExitCodeExceptionMapper().getExitCode(failure);
    }

    /** The simulator is a server of its own, and names itself in its messages. */
    private static String prefix(CommandLine commandLine) {
        return commandLine.getCommand() instanceof SimulateCommand ? "promptbatch simulate" : "promptbatch";
    }

    private static String text(Throwable failure) {
        if (ExceptionExitCodes.refusal(failure)) {
            return failure.getMessage();
        }
        String line = failure.getMessage() != null
                ? failure.getMessage()
                : failure.getClass().getSimpleName();
        Throwable innermost = failure;
        while (innermost.getCause() != null && innermost.getCause() != innermost) {
            innermost = innermost.getCause();
        }
        if (innermost == failure || innermost.getMessage() != null && line.contains(innermost.getMessage())) {
            return line;
        }
        String cause = innermost.getClass().getSimpleName();
        return line + ": " + (innermost.getMessage() == null ? cause : cause + ": " + innermost.getMessage());
    }
}

package dev.promptbatch.job;

/**
 * Nothing was run, and the message says why and what to do: the server is unreachable or lacks a model, the
 * database or the output is in use by another run, or the run to resume has a changed input or spec.
 */
public class RunRefusedException extends RuntimeException {
    public RunRefusedException(String message) {
        super(message);
    }

    public RunRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}

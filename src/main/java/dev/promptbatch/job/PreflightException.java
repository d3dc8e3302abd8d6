package dev.promptbatch.job;

/** The server cannot run the job (unreachable, or a model missing): nothing was run. */
public class PreflightException extends RuntimeException {
    public PreflightException(String message) {
        super(message);
    }
}

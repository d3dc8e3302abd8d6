package dev.promptbatch.simulator;

/**
 * A request the simulated server refuses, as Ollama would: answered with {@code status} and
 * {@code {"error": message}}.
 */
final class RequestRefusedException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int status;

    RequestRefusedException(int status, String message) {
        super(message, null, false, false); // control flow, not a bug: no stack trace needed
        this.status = status;
    }

    int status() {
        return status;
    }
}

package dev.promptbatch.simulator;

/** A request Ollama would refuse: answered with {@code status} and {@code {"error": message}}. */
final class OllamaException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int status;

    OllamaException(int status, String message) {
        super(message, null, false, false); // control flow, not a bug: no stack trace needed
        this.status = status;
    }

    int status() {
        return status;
    }
}

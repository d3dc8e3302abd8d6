package dev.promptbatch.input;

/** An input file that cannot be read at all (missing, unreadable, no header): nothing runs. */
public class InputException extends RuntimeException {
    public InputException(String message) {
        super(message);
    }

    public InputException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.promptbatch.spec;

/** A job spec that cannot be run; the message names the file, the key and what was expected. */
public class SpecException extends RuntimeException {
    public SpecException(String message) {
        super(message);
    }
}

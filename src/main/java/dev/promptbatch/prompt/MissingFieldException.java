package dev.promptbatch.prompt;

/** A record lacks a field the template names: that record is bad, the others go on. */
public class MissingFieldException extends RuntimeException {
    public MissingFieldException(String field) {
        super("missing field '" + field + "'");
    }
}

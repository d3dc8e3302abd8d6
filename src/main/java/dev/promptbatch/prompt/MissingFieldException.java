package dev.promptbatch.prompt;

/** A record lacks a field the template names: that record is bad, the others go on. */
public class MissingFieldException extends RuntimeException {
    private final String field;

    public MissingFieldException(String field) {
        super("missing field '" + field + "'");
        this.field = field;
    }

    public String field() {
        return field;
    }
}

package dev.promptbatch.structured;

/** A {@code format} schema that is not a JSON Schema this job can validate answers against. */
public final class InvalidSchemaException extends RuntimeException {
    public InvalidSchemaException(String message) {
        super(message);
    }
}

package dev.promptbatch.input;

/**
 * A record that could not be read; it goes to the errors file and the others go on.
 *
 * @param id the id the line gives, when it could be read although the record is bad (an OpenAI Batch line's
 *           {@code custom_id}), else null
 */
public record BadRecord(long number, long line, String message, Object id) implements InputRecord {
    public BadRecord(long number, long line, String message) {
        this(number, line, message, null);
    }
}

package dev.promptbatch.outcome;

/**
 * One line of the errors file: a record that failed for good.
 *
 * @param line     the record's physical line in the input file
 * @param kind     why it failed
 * @param attempts requests sent for it (0 for a bad record)
 * @param server   the server its last request went to (its URL without credentials), or null when none did
 */
public record Failure(
        Object id, long line, Cell cell, Number seed, FailureKind kind, String message, int attempts, String server)
        implements Outcome {}

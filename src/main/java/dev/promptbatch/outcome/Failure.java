package dev.promptbatch.outcome;

/**
 * One line of the errors file: a record that failed for good.
 *
 * @param line     the record's physical line in the input file
 * @param kind     why it failed
 * @param attempts requests sent for it (0 for a bad record)
 * @param server   the server its last request went to (its URL without credentials), or null when none did
 * @param response the server's HTTP error answer to its last request, or null when that request got none (a bad
 *                 record, an invalid answer, a timeout or a lost connection)
 */
public record Failure(
        Object id,
        long line,
        Cell cell,
        Number seed,
        FailureKind kind,
        String message,
        int attempts,
        String server,
        ErrorResponse response)
        implements Outcome {
    /** A failure without an HTTP error answer. */
    public Failure(
            Object id,
            long line,
            Cell cell,
            Number seed,
            FailureKind kind,
            String message,
            int attempts,
            String server) {
        this(id, line, cell, seed, kind, message, attempts, server, null);
    }
}

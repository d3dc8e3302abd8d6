package dev.promptbatch.outcome;


/**
 * One line of the errors file: a record that failed for good.
 *
 * @param line     the record's physical line in the input file
 * @param kind     {@code bad-record}, {@code rejected} (a 4xx answer), {@code retries-exhausted}, ...
 * @param attempts requests sent for it (0 for a bad record)
 */
public record Failure(Object id, long line, Cell cell, Number seed, String kind, String message,
        int attempts) implements Outcome {
    public static final String BAD_RECORD = "bad-record";
    public static final String REJECTED = "rejected";

    @Override
    public String model() {
        return cell.model();
    }
}

package dev.promptbatch.outcome;

/** What became of one record in one pass: an answer or an embedding for the output, or a failure for the errors file. */
public sealed interface Outcome permits Answer, Embedded, Failure {
    /** The record's id: the id-field's value (a String), else the record's number (a Long). */
    Object id();

    /** The record's physical line in the input file. */
    long line();

    /** The model and sweep coordinates. */
    Cell cell();

    /** The seed sent, or null. */
    Number seed();

    /** The server that answered, or that the last request went to (its URL without credentials); null when none did. */
    String server();

    default String model() {
        return cell().model();
    }
}

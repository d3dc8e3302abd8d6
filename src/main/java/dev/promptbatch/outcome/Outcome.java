package dev.promptbatch.outcome;

/** What became of one unit of work: an answer for the output, or a failure for the errors file. */
public sealed interface Outcome permits Answer, Failure {
    /** The record's id: the id-field's value (a String), else the record's number (a Long). */
    Object id();

    String model();
}

package dev.promptbatch.input;

/**
 * One record of the input file, good or bad.
 *
 * @see DataRecord
 * @see BadRecord
 */
public sealed interface InputRecord permits DataRecord, BadRecord {
    /** 1-based position among the input's records; blank lines and the header are not counted. */
    long number();

    /** Physical line of the file where the record starts, 1-based, counting every line. */
    long line();
}

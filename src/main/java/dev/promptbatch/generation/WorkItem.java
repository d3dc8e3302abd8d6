package dev.promptbatch.generation;

import dev.promptbatch.input.InputRecord;

/** One answer to obtain: a record for a model. {@code position} is its 0-based place in the run's order. */
public record WorkItem(long position, InputRecord record, String model) {
}

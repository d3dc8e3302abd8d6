package dev.promptbatch.generation;

import dev.promptbatch.input.InputRecord;
import dev.promptbatch.outcome.Cell;

/** One answer to obtain: a record for a model, in one cell of the sweep. */
public record WorkItem(InputRecord record, Cell cell) {
    public String model() {
        return cell.model();
    }
}

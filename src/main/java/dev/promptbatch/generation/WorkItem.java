package dev.promptbatch.generation;

import dev.promptbatch.input.InputRecord;
import dev.promptbatch.output.Cell;

/**
 * One answer to obtain: a record for a model, in one cell of the sweep. {@code position} is its 0-based place in
 * the run's order.
 */
public record WorkItem(long position, InputRecord record, Cell cell) {
    public String model() {
        return cell.model();
    }
}

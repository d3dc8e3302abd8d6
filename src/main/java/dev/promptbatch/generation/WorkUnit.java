package dev.promptbatch.generation;

import java.util.List;

import dev.promptbatch.input.InputRecord;
import dev.promptbatch.outcome.Cell;

/**
 * One unit of work and of commit: one record of a generate job, or one request's batch of an embed job, up to
 * {@code batch-size} consecutive records of one pass (never across passes, so never across models).
 *
 * @param number 1-based number of the unit within its pass: an embed request's batch number
 */
public record WorkUnit(Cell cell, List<InputRecord> records, long number) {
    public WorkUnit {
        records = List.copyOf(records);
    }

    public String model() {
        return cell.model();
    }

    /** The unit's records as work items, in input order. */
    public List<WorkItem> items() {
        return records.stream().map(record -> new WorkItem(record, cell)).toList();
    }
}

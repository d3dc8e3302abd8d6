package dev.promptbatch.generation;

import java.nio.file.Path;
import java.util.List;

import dev.promptbatch.input.InputRecord;
import dev.promptbatch.input.RecordReader;

/**
 * The run's work in output order: every record for the first model, then every record for the next, so the server
 * loads each model once. The input is streamed again for each model rather than held in memory.
 */
public final class WorkPlan implements AutoCloseable {
    private final Path input;
    private final List<String> models;
    private final int maxRecordBytes;
    private int modelIndex;
    private RecordReader reader;
    private long position;

    public WorkPlan(Path input, List<String> models, int maxRecordBytes) {
        this.input = input;
        this.models = List.copyOf(models);
        this.maxRecordBytes = maxRecordBytes;
    }

    /** The next item, or null when the plan is done. */
    public WorkItem next() {
        while (modelIndex < models.size()) {
            if (reader == null) {
                reader = RecordReader.open(input, maxRecordBytes);
            }
            InputRecord record = reader.next();
            if (record != null) {
                return new WorkItem(position++, record, models.get(modelIndex));
            }
            reader.close();
            reader = null;
            modelIndex++;
        }
        return null;
    }

    /** Passes over items already done (a resumed run), reading records without sending anything. */
    public void skip(long count) {
        for (long i = 0; i < count; i++) {
            if (next() == null) {
                throw new IllegalStateException("the input has fewer than " + count
                        + " records left to skip; it changed since the run that is being resumed");
            }
        }
    }

    @Override
    public void close() {
        if (reader != null) {
            reader.close();
            reader = null;
        }
    }
}

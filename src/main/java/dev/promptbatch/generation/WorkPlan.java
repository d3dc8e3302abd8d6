package dev.promptbatch.generation;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.promptbatch.input.InputRecord;
import dev.promptbatch.input.RecordReader;
import dev.promptbatch.outcome.Cell;
import dev.promptbatch.spec.JobSpec;

/**
 * The run's work in output order: for each model, for each variant, seed and repetition, every record. Model-major,
 * so the server loads each model once. The input is streamed again for each pass rather than held in memory.
 */
public final class WorkPlan implements AutoCloseable {
    private final Path input;
    private final int maxRecordBytes;
    private final List<Cell> passes;
    private int passIndex;
    private RecordReader reader;

    public WorkPlan(JobSpec spec) {
        this.input = spec.input().file();
        this.maxRecordBytes = spec.input().maxRecordBytes();
        this.passes = passes(spec);
    }

    /** Every pass over the input, in run order. */
    public static List<Cell> passes(JobSpec spec) {
        List<Integer> variants = spec.sweep().variants().isEmpty()
                ? Arrays.asList((Integer) null)
                : range(spec.sweep().variants().size());
        List<Long> seeds = spec.sweep().seeds().isEmpty()
                ? Arrays.asList((Long) null)
                : spec.sweep().seeds();
        List<Integer> repeats = spec.sweep().repeat() == null
                ? Arrays.asList((Integer) null)
                : range(spec.sweep().repeat());
        List<Cell> passes = new ArrayList<>();
        for (String model : spec.generation().models()) {
            for (Integer variant : variants) {
                for (Long seed : seeds) {
                    for (Integer repeat : repeats) {
                        passes.add(new Cell(model, variant, seed, repeat));
                    }
                }
            }
        }
        return List.copyOf(passes);
    }

    /** The next item, or null when the plan is done. */
    public WorkItem next() {
        while (passIndex < passes.size()) {
            if (reader == null) {
                reader = RecordReader.open(input, maxRecordBytes);
            }
            InputRecord record = reader.next();
            if (record != null) {
                return new WorkItem(record, passes.get(passIndex));
            }
            reader.close();
            reader = null;
            passIndex++;
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

    private static List<Integer> range(int size) {
        List<Integer> values = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            values.add(i);
        }
        return values;
    }
}

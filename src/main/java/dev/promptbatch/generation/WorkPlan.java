package dev.promptbatch.generation;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

import dev.promptbatch.input.DataRecord;
import dev.promptbatch.input.InputFormat;
import dev.promptbatch.input.InputRecord;
import dev.promptbatch.input.RecordReader;
import dev.promptbatch.outcome.Cell;
import dev.promptbatch.spec.JobSpec;

/**
 * The run's work in output order: for each model, for each variant, seed and repetition, every record. Model-major,
 * so the server loads each model once. The input is streamed again for each pass rather than held in memory.
 *
 * <p>The plan hands out units of work: one record each for a generate job, and for an embed job batches of
 * {@code batch-size} consecutive records of one pass (the pass's last batch may be shorter). Given the input and
 * the batch size, which the run's fingerprint guards, the units are the same on every run, so a resumed run can
 * skip the units committed before as a plain count.
 */
public final class WorkPlan implements AutoCloseable {
    private final Path input;
    private final int maxRecordBytes;
    private final InputFormat format;
    private final List<Cell> passes;
    private final int unitSize;
    private final Predicate<WorkItem> only;
    private int passIndex;
    private long unitInPass;
    private RecordReader reader;

    public WorkPlan(JobSpec spec) {
        this(spec, item -> true);
    }

    /**
     * The plan's records that {@code only} accepts, in the same order, in units as the plan makes them: one record,
     * or for an embed job batches of up to {@code batch-size} accepted records of one pass. A retry's work, which
     * stays the same on every run as long as the input and the accepted records do.
     */
    public WorkPlan(JobSpec spec, Predicate<WorkItem> only) {
        this.input = spec.input().file();
        this.maxRecordBytes = spec.input().maxRecordBytes();
        this.format = spec.input().format();
        this.passes = passes(spec);
        this.unitSize = spec.unitSize();
        this.only = only;
    }

    /**
     * Every pass over the input, in run order. An OpenAI Batch input whose lines name their models has one pass per
     * sweep cell with no model: each of its units takes its line's ({@link #cellOf}).
     */
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
        List<String> models = spec.generation().modelPerLine()
                ? Arrays.asList((String) null)
                : spec.generation().models();
        List<Cell> passes = new ArrayList<>();
        for (String model : models) {
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

    /**
     * The run's cells by model, in run order: its passes, and for an OpenAI Batch input whose lines name their models,
     * each pass once for every model the lines name. What a summary lists, whatever the plan's passes.
     */
    public static List<Cell> cells(JobSpec spec) {
        List<Cell> cells = new ArrayList<>();
        for (Cell pass : passes(spec)) {
            if (pass.model() != null) {
                cells.add(pass);
            } else {
                spec.generation()
                        .models()
                        .forEach(model -> cells.add(new Cell(model, pass.variant(), pass.seed(), pass.repeat())));
            }
        }
        return List.copyOf(cells);
    }

    /** The next unit, or null when the plan is done. */
    public WorkUnit next() {
        while (passIndex < passes.size()) {
            if (reader == null) {
                reader = RecordReader.open(input, maxRecordBytes, format);
                unitInPass = 0;
            }
            Cell pass = passes.get(passIndex);
            List<InputRecord> records = new ArrayList<>(unitSize);
            boolean passDone = true;
            for (InputRecord record = reader.next(); record != null; record = reader.next()) {
                if (only.test(new WorkItem(record, cellOf(pass, record)))) {
                    records.add(record);
                    if (records.size() == unitSize) {
                        passDone = false;
                        break;
                    }
                }
            }
            if (passDone) {
                reader.close();
                reader = null;
                passIndex++;
            }
            if (!records.isEmpty()) {
                return new WorkUnit(cellOf(pass, records.get(0)), records, ++unitInPass);
            }
        }
        return null;
    }

    /**
     * The cell a unit runs in: its pass's, or for a pass without a model (an OpenAI Batch line asks for its own) the
     * model its line's body names; null for a line without one, which is a bad record.
     */
    public static Cell cellOf(Cell pass, InputRecord first) {
        if (pass.model() != null) {
            return pass;
        }
        String model = first instanceof DataRecord data
                        && data.fields().path("body").path("model").isString()
                ? data.fields().path("body").path("model").stringValue()
                : null;
        return new Cell(model, pass.variant(), pass.seed(), pass.repeat());
    }

    /** Passes over units already done (a resumed run), reading records without sending anything. */
    public void skip(long count) {
        for (long i = 0; i < count; i++) {
            if (next() == null) {
                throw new IllegalStateException("the input has fewer than " + count
                        + (unitSize == 1 ? " records" : " batches") + " left to skip; it changed since the run that "
                        + "is being resumed");
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

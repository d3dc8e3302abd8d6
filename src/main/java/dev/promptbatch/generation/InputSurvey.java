package dev.promptbatch.generation;

import java.util.Optional;

import dev.promptbatch.input.DataRecord;
import dev.promptbatch.input.InputRecord;
import dev.promptbatch.input.RecordReader;
import dev.promptbatch.spec.JobSpec;

/**
 * What a run warns about in its input before it starts: no records at all, or ids that several records have.
 * One streaming pass; without an id-field, ids are record numbers and the first record is enough.
 */
public final class InputSurvey {
    private final boolean empty;
    private final String duplicates;

    private InputSurvey(boolean empty, String duplicates) {
        this.empty = empty;
        this.duplicates = duplicates;
    }

    public static InputSurvey of(JobSpec spec) {
        DuplicateIds ids = new DuplicateIds(
                spec.input().file(), spec.input().maxRecordBytes(), spec.input().idField());
        boolean empty = true;
        try (RecordReader reader =
                RecordReader.open(spec.input().file(), spec.input().maxRecordBytes())) {
            for (InputRecord record = reader.next(); record != null; record = reader.next()) {
                empty = false;
                if (spec.input().idField() == null) {
                    break;
                }
                if (record instanceof DataRecord data) {
                    ids.idOf(data).ifPresent(id -> ids.add(id, data.line()));
                }
            }
        }
        return new InputSurvey(empty, ids.describe().orElse(null));
    }

    /** True when the input has no record: the run completes with nothing to do. */
    public boolean empty() {
        return empty;
    }

    /** The repeated ids with examples, when some id repeats. */
    public Optional<String> duplicates() {
        return Optional.ofNullable(duplicates);
    }
}

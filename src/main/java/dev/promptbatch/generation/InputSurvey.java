package dev.promptbatch.generation;

import java.util.Optional;

import dev.promptbatch.images.ImageLoader;
import dev.promptbatch.input.DataRecord;
import dev.promptbatch.input.InputRecord;
import dev.promptbatch.input.RecordReader;
import dev.promptbatch.spec.JobSpec;

/**
 * What a run warns about in its input before it starts: no records at all, ids that several records have, or
 * {@code images} fields that no record fills. One streaming pass; without an id-field nor {@code images}, the first
 * record is enough.
 */
public final class InputSurvey {
    private final boolean empty;
    private final String duplicates;
    private final boolean noImages;

    private InputSurvey(boolean empty, String duplicates, boolean noImages) {
        this.empty = empty;
        this.duplicates = duplicates;
        this.noImages = noImages;
    }

    public static InputSurvey of(JobSpec spec) {
        DuplicateIds ids = new DuplicateIds(
                spec.input().file(), spec.input().maxRecordBytes(), spec.input().idField());
        boolean images = spec.input().images().any();
        ImageLoader loader = new ImageLoader(spec.input().images());
        boolean empty = true;
        boolean anyImage = false;
        try (RecordReader reader = RecordReader.open(
                spec.input().file(), spec.input().maxRecordBytes(), spec.input().format())) {
            for (InputRecord record = reader.next(); record != null; record = reader.next()) {
                empty = false;
                if (spec.input().idField() == null && (!images || anyImage)) {
                    break;
                }
                if (record instanceof DataRecord data) {
                    ids.idOf(data).ifPresent(id -> ids.add(id, data.line()));
                    anyImage |= images && loader.anyImageField(data.fields());
                }
            }
        }
        return new InputSurvey(empty, ids.describe().orElse(null), images && !empty && !anyImage);
    }

    /** True when the job has {@code images} but no record fills any of those fields: no image would be sent. */
    public boolean noImages() {
        return noImages;
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

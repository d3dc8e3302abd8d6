package dev.promptbatch.generation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.promptbatch.images.ImageLoader;
import dev.promptbatch.input.DataRecord;
import dev.promptbatch.input.InputRecord;
import dev.promptbatch.input.RecordReader;
import dev.promptbatch.openaibatch.BatchRequests;
import dev.promptbatch.openaibatch.BatchUrl;
import dev.promptbatch.spec.JobSpec;

/**
 * What a run warns about in its input before it starts: no records at all, ids that several records have,
 * {@code images} fields that no record fills, or OpenAI Batch body fields that Ollama servers are not sent. One streaming pass; without an id-field nor {@code images}, the first
 * record is enough.
 */
public final class InputSurvey {
    private final boolean empty;
    private final String duplicates;
    private final boolean noImages;
    private final List<String> ignoredFields;

    private InputSurvey(boolean empty, String duplicates, boolean noImages, List<String> ignoredFields) {
        this.empty = empty;
        this.duplicates = duplicates;
        this.noImages = noImages;
        this.ignoredFields = ignoredFields;
    }

    public static InputSurvey of(JobSpec spec) {
        DuplicateIds ids = new DuplicateIds(
                spec.input().file(), spec.input().maxRecordBytes(), spec.input().idField());
        boolean images = spec.input().images().any();
        ImageLoader loader = new ImageLoader(spec.input().images());
        boolean empty = true;
        boolean anyImage = false;
        // OpenAI Batch lines: each body field an Ollama server is not sent, per endpoint, and the first line with it.
        Map<String, Long> ignored = new LinkedHashMap<>();
        try (RecordReader reader = RecordReader.open(
                spec.input().file(), spec.input().maxRecordBytes(), spec.input().format())) {
            for (InputRecord record = reader.next(); record != null; record = reader.next()) {
                empty = false;
                if (spec.input().idField() == null && (!images || anyImage)) {
                    break;
                }
                if (record instanceof DataRecord data) {
                    if (spec.batchInput()) {
                        BatchUrl url = BatchUrl.of(data.fields().get("url").stringValue());
                        for (String field :
                                BatchRequests.ignoredFields(url, data.fields().get("body"))) {
                            ignored.putIfAbsent("body." + field + " of " + url.path() + " lines", data.line());
                        }
                        continue;
                    }
                    ids.idOf(data).ifPresent(id -> ids.add(id, data.line()));
                    anyImage |= images && loader.anyImageField(data.fields());
                }
            }
        }
        List<String> ignoredFields = new ArrayList<>();
        ignored.forEach((field, line) -> ignoredFields.add(field + " is not sent to Ollama servers, which do not take "
                + "it (first on line " + line + "); an api: openai server is sent the body as it is"));
        return new InputSurvey(
                empty, ids.describe().orElse(null), images && !empty && !anyImage, List.copyOf(ignoredFields));
    }

    /** True when the job has {@code images} but no record fills any of those fields: no image would be sent. */
    public boolean noImages() {
        return noImages;
    }

    /** True when the input has no record: the run completes with nothing to do. */
    public boolean empty() {
        return empty;
    }

    /** For an OpenAI Batch input: one sentence per body field of an endpoint that Ollama servers are not sent. */
    public List<String> ignoredFields() {
        return ignoredFields;
    }

    /** The repeated ids with examples, when some id repeats. */
    public Optional<String> duplicates() {
        return Optional.ofNullable(duplicates);
    }
}

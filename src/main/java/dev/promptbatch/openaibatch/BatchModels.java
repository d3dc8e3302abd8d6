package dev.promptbatch.openaibatch;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.promptbatch.input.DataRecord;
import dev.promptbatch.input.InputFormat;
import dev.promptbatch.input.InputRecord;
import dev.promptbatch.input.RecordReader;

/** The models an OpenAI Batch file's lines ask for in {@code body.model}, in order of first appearance. */
public final class BatchModels {
    private BatchModels() {}

    public static List<String> of(Path file, int maxRecordBytes) {
        Set<String> models = new LinkedHashSet<>();
        try (RecordReader reader = RecordReader.open(file, maxRecordBytes, InputFormat.OPENAI_BATCH)) {
            for (InputRecord record = reader.next(); record != null; record = reader.next()) {
                if (record instanceof DataRecord data
                        && data.fields().path("body").path("model").isString()) {
                    models.add(data.fields().path("body").path("model").stringValue());
                }
            }
        }
        return List.copyOf(models);
    }
}

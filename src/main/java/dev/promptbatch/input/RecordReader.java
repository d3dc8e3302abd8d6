package dev.promptbatch.input;

import java.nio.file.Path;
import java.util.List;

/** Streams the records of an input file in order; memory does not grow with the file. */
public interface RecordReader extends AutoCloseable {
    /** Default longest line (and longest CSV record) in bytes; a longer one is a bad record. */
    int DEFAULT_MAX_RECORD_BYTES = 1 << 20;

    /** The next record, good or bad, or null at the end of the file. */
    InputRecord next();

    /** The column names of a CSV file; empty for JSON Lines, whose fields are known only per record. */
    List<String> columns();

    @Override
    void close();

    /** Every caller names the limit: the spec's {@code max-record-size}, so no check reads with another one. */
    static RecordReader open(Path file, int maxRecordBytes) {
        InputFormat format = InputFormat.byExtension(file);
        if (format == null) {
            throw new InputException(file + ": expected a .csv or .jsonl file");
        }
        return open(file, maxRecordBytes, format);
    }

    /** A reader of the file as the spec's {@code input-format} says. */
    static RecordReader open(Path file, int maxRecordBytes, InputFormat format) {
        return switch (format) {
            case CSV -> new CsvRecordReader(file, maxRecordBytes);
            case JSONL -> new JsonLinesRecordReader(file, maxRecordBytes);
            case OPENAI_BATCH -> new BatchLineReader(new JsonLinesRecordReader(file, maxRecordBytes));
        };
    }
}

package dev.promptbatch.progress;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

import dev.promptbatch.input.InputRecord;
import dev.promptbatch.input.RecordReader;

/**
 * The input's records, counted once in the background while the run starts, with the reader the run uses: bad records
 * count, as they do in the run, and a CSV field's line breaks do not. Until it is done the total is unknown; an input
 * that cannot be read leaves it unknown (the run says why).
 */
final class InputCount implements AutoCloseable {
    private final AtomicReference<Long> records = new AtomicReference<>();
    private final Thread counter;

    private InputCount(Path input, int maxRecordBytes) {
        counter = new Thread(() -> count(input, maxRecordBytes), "input-count");
        counter.setDaemon(true);
    }

    static InputCount start(Path input, int maxRecordBytes) {
        InputCount count = new InputCount(input, maxRecordBytes);
        count.counter.start();
        return count;
    }

    /** A count already known, for tests. */
    static InputCount of(long records) {
        InputCount count = new InputCount(null, 0);
        count.records.set(records);
        return count;
    }

    /** The input's records, or null while they are counted. */
    Long records() {
        return records.get();
    }

    private void count(Path input, int maxRecordBytes) {
        long n = 0;
        try (RecordReader reader = RecordReader.open(input, maxRecordBytes)) {
            for (InputRecord record = reader.next(); record != null; record = reader.next()) {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                n++;
            }
        } catch (RuntimeException e) {
            return;
        }
        records.set(n);
    }

    @Override
    public void close() {
        counter.interrupt();
    }
}

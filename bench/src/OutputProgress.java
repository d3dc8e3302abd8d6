import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Watches an output file grow while the client runs, and marks when it first held a given number of lines and when
 * it held them all. PromptBatch writes (and forces) each chunk's lines before the chunk commits, so the lines between
 * the two marks over the time between them are the committed records/s once the client is warm, the job
 * repository's cost per chunk included.
 */
final class OutputProgress implements AutoCloseable {

    private static final long POLL_MILLIS = 2;

    private final Path output;
    private final long fromLines;
    private final long allLines;
    private final Thread thread;
    private volatile boolean stopped;
    private volatile long fromNanos;
    private volatile long linesAtFrom;
    private volatile long allNanos;

    private OutputProgress(Path output, long fromLines, long allLines) {
        this.output = output;
        this.fromLines = fromLines;
        this.allLines = allLines;
        this.thread = new Thread(this::watch, "output-progress");
        thread.setDaemon(true);
    }

    static OutputProgress start(Path output, long fromLines, long allLines) {
        OutputProgress progress = new OutputProgress(output, fromLines, allLines);
        progress.thread.start();
        return progress;
    }

    /** Records per second from the first mark to the last; NaN if the output never got that far. */
    double warmRecordsPerSecond() {
        return fromNanos == 0 || allNanos <= fromNanos ? Double.NaN
                : (allLines - linesAtFrom) / ((allNanos - fromNanos) / 1e9);
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        thread.join();
    }

    private void watch() {
        long lines = 0;
        long position = 0;
        ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
        try {
            while (!stopped && allNanos == 0) {
                if (Files.exists(output) && Files.size(output) > position) {
                    try (FileChannel channel = FileChannel.open(output, StandardOpenOption.READ)) {
                        channel.position(position);
                        int read;
                        while ((read = channel.read(buffer)) > 0) {
                            for (int i = 0; i < read; i++) {
                                if (buffer.get(i) == '\n') {
                                    lines++;
                                }
                            }
                            position += read;
                            buffer.clear();
                        }
                    }
                    long now = System.nanoTime();
                    if (fromNanos == 0 && lines >= fromLines) {
                        linesAtFrom = lines;
                        fromNanos = now;
                    }
                    if (lines >= allLines) {
                        allNanos = now;
                    }
                }
                Thread.sleep(POLL_MILLIS);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

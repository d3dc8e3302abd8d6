package dev.promptbatch.output;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * A file a run appends to a chunk at a time. A chunk's bytes reach the file when it is written, before the chunk
 * commits; the caller records {@link #length()} with each commit, and a resumed run cuts the file back to it, so a
 * line is never written twice. A failed write fails the chunk (and with it the commit), and closing after a failed
 * chunk cuts the file back to the last commit.
 *
 * <p>Every write first checks that the path still names the file this run opened and that no one cut it short:
 * answers written to a file deleted or replaced under the run would otherwise be lost in silence.
 */
public final class ChunkedFile implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final Object fileKey;
    private long length;
    private long committed;

    private ChunkedFile(Path path, FileChannel channel, long length) throws IOException {
        this.path = path;
        this.channel = channel;
        this.fileKey = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        this.length = length;
        this.committed = length;
    }

    /** Starts the file afresh, replacing any file at the path, with the header (may be empty) as its first bytes. */
    public static ChunkedFile create(Path path, String header) {
        FileChannel channel = null;
        try {
            Files.deleteIfExists(path);
            channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            ChunkedFile file = new ChunkedFile(path, channel, 0);
            file.write(header);
            file.committed = file.length;
            return file;
        } catch (IOException e) {
            closeQuietly(channel);
            throw cannotWrite(path, e);
        } catch (OutputFileException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /**
     * Continues the file after its last committed byte, cutting off what a failed or killed run wrote after it. A
     * file with nothing committed starts afresh, with the header.
     */
    public static ChunkedFile resume(Path path, long committedLength, String header) {
        if (committedLength == 0) {
            return create(path, header);
        }
        try {
            FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE);
            long size = channel.size();
            if (size < committedLength) {
                channel.close();
                throw new OutputFileException(
                        path + " is " + size + " bytes, shorter than the " + committedLength
                                + " bytes committed to it: the answers in it are lost",
                        true,
                        null);
            }
            channel.truncate(committedLength);
            channel.position(committedLength);
            return new ChunkedFile(path, channel, committedLength);
        } catch (NoSuchFileException e) {
            throw new OutputFileException(path + " is gone: the answers in it are lost", true, e);
        } catch (IOException e) {
            throw cannotWrite(path, e);
        }
    }

    /**
     * Appends text (possibly none) now, after checking that the file is still the one this run writes, and forces it
     * to the disk: the database commits the new length right after, durably, and a file shorter than its committed
     * length after a power cut could not be resumed.
     */
    public void write(String text) {
        checkStillOurs();
        ByteBuffer bytes = StandardCharsets.UTF_8.encode(text);
        try {
            while (bytes.hasRemaining()) {
                length += channel.write(bytes);
            }
            if (!text.isEmpty()) {
                channel.force(false);
            }
        } catch (IOException e) {
            throw cannotWrite(path, e);
        }
    }

    /** Bytes in the file as of the last write: what the caller commits. */
    public long length() {
        return length;
    }

    /** The current length is being committed: a failed chunk after this one is cut back to here on close. */
    public void committed() {
        committed = length;
    }

    private void checkStillOurs() {
        Object now;
        try {
            now = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException e) {
            throw new OutputFileException(
                    path + " was deleted while this run was writing it: the answers " + "committed to it are lost",
                    true,
                    e);
        } catch (IOException e) {
            throw cannotWrite(path, e);
        }
        if (!Objects.equals(now, fileKey)) {
            throw new OutputFileException(
                    path + " was replaced by another file while this run was writing it: "
                            + "the answers committed to it are lost",
                    true,
                    null);
        }
        try {
            if (channel.size() < length) {
                throw new OutputFileException(
                        path + " was cut short while this run was writing it: the answers "
                                + "committed to it are lost",
                        true,
                        null);
            }
        } catch (IOException e) {
            throw cannotWrite(path, e);
        }
    }

    /** Closes the file, first cutting off anything written after the last commit. */
    @Override
    public void close() {
        try (channel) {
            if (channel.size() > committed) {
                channel.truncate(committed);
            }
        } catch (IOException e) {
            throw cannotWrite(path, e);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            // The failure that led here is the one to report.
        }
    }

    private static OutputFileException cannotWrite(Path path, IOException e) {
        return new OutputFileException("cannot write " + path + ": " + OutputFileException.reason(e), false, e);
    }
}

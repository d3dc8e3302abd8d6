package dev.promptbatch.job;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import dev.promptbatch.output.OutputFileException;

/**
 * {@code NAME.lock} beside output {@code NAME.jsonl} (or {@code .csv}): the run that writes the output, its errors
 * file and the files beside them, across processes and job databases. Two runs writing one file would each truncate
 * and overwrite the other's answers, and each would count what it wrote as saved.
 *
 * <p>The operating system's lock on the file decides, and goes with the process that held it, however it ended; the
 * file's content names the holder for the run that is refused, and decides alone on a filesystem without locks. A
 * lock file whose process is gone is taken over.
 */
public final class OutputLock implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OutputLock.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** How long a refused run waits for the holder to have written its name, having just taken the lock. */
    private static final long NAMING_MILLIS = 2000;

    /** The file's content. */
    public record Holder(
            long pid,
            Instant processStart,
            String job,
            Map<String, String> parameters,
            String database,
            Instant since) {
        boolean alive() {
            return ProcessHandle.of(pid)
                    .flatMap(p -> p.info().startInstant())
                    .map(start -> processStart == null || start.equals(processStart))
                    .orElse(false);
        }

        String describe() {
            return "job " + job + ParameterText.afterJobName(parameters) + " (database " + database + ") in process "
                    + pid;
        }
    }

    private final Path file;
    private final FileChannel channel;
    /** Null on a filesystem without locks. */
    private final FileLock lock;

    private OutputLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    public static Path fileFor(Path output) {
        String name = output.getFileName().toString();
        return output.resolveSibling(name.substring(0, name.lastIndexOf('.')) + ".lock");
    }

    /**
     * Makes this run the writer of the output, or refuses at once, naming the run that writes it.
     *
     * @throws RunRefusedException when another live run holds the output
     */
    static OutputLock claim(Path output, String job, Map<String, String> parameters, String database) {
        Path file = fileFor(output);
        ProcessHandle self = ProcessHandle.current();
        Holder holder = new Holder(
                self.pid(), self.info().startInstant().orElse(null), job, parameters, database, Instant.now());
        byte[] content = JSON.writeValueAsBytes(holder);
        try {
            // Another attempt is needed only when the file was deleted by its last holder between open and lock.
            for (int attempt = 0; attempt < 3; attempt++) {
                FileChannel channel = FileChannel.open(
                        file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                FileLock lock = null;
                boolean heldElsewhere;
                try {
                    lock = channel.tryLock();
                    heldElsewhere = lock == null;
                } catch (OverlappingFileLockException e) {
                    heldElsewhere = true;
                } catch (IOException e) {
                    // A filesystem without locks (some network mounts): the content alone decides.
                    heldElsewhere = false;
                }
                if (heldElsewhere) {
                    channel.close();
                    throw refused(output, file, waitForName(file));
                }
                Optional<Holder> previous = read(channel);
                if (previous.isPresent()
                        && previous.get().pid() != self.pid()
                        && previous.get().alive()) {
                    // The holder is running, yet this filesystem gave the lock: trust the content.
                    channel.close();
                    throw refused(output, file, previous);
                }
                previous.ifPresent(
                        gone -> log.info("Taking over {}, left by {}, which no longer runs", file, gone.describe()));
                channel.truncate(0);
                channel.write(ByteBuffer.wrap(content), 0);
                if (isOurs(file, content)) {
                    return new OutputLock(file, channel, lock);
                }
                channel.close();
            }
            throw new RunRefusedException("cannot lock " + file + ": it keeps being replaced by another run");
        } catch (IOException e) {
            throw new RunRefusedException(
                    "cannot write the lock file " + file + " for " + output + ": " + OutputFileException.reason(e));
        }
    }

    /** The holder's name, allowing it the moment between taking the lock and writing its name. */
    private static Optional<Holder> waitForName(Path file) {
        long deadline = System.nanoTime() + NAMING_MILLIS * 1_000_000;
        while (true) {
            Optional<Holder> holder = read(file);
            if (holder.isPresent() || System.nanoTime() > deadline) {
                return holder;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return holder;
            }
        }
    }

    private static RunRefusedException refused(Path output, Path file, Optional<Holder> holder) {
        return new RunRefusedException(
                output + " is being written by " + holder.map(Holder::describe).orElse("another run (see " + file + ")")
                        + "; wait for it to finish, or give this job another output");
    }

    private static Optional<Holder> read(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(channel.size(), 1 << 16));
        channel.read(buffer, 0);
        return parse(new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8));
    }

    private static Optional<Holder> read(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<Holder> parse(String text) {
        if (text.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(text, Holder.class));
        } catch (JacksonException e) {
            return Optional.empty();
        }
    }

    /** Whether the path names the file this process locked: its last holder may have deleted it in between. */
    private static boolean isOurs(Path file, byte[] content) {
        try {
            return Arrays.equals(Files.readAllBytes(file), content);
        } catch (IOException e) {
            return false;
        }
    }

    /** Deletes the file while still holding its lock, then lets go. */
    @Override
    public void close() {
        try (channel) {
            Files.deleteIfExists(file);
            if (lock != null) {
                lock.release();
            }
        } catch (IOException e) {
            log.warn("Could not remove {}: {}", file, e.getMessage());
        }
    }
}

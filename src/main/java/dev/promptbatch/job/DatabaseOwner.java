package dev.promptbatch.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code DB.owner.json} beside the job database: which process has it open, for which job and since when. HSQLDB's own lock admits one process but names none, and after a crash it makes the next opener
 * wait about ten seconds; this file lets a second run be refused at once with a useful message, a run after a
 * crash say what it is waiting for, and {@code status} tell a run in progress from one whose process is gone.
 */
public final class DatabaseOwner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DatabaseOwner.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final DateTimeFormatter SINCE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    /** The file's content. */
    public record Owner(long pid, Instant processStart, String job, Map<String, String> parameters, Instant since) {
        /** Whether the process that wrote this is still the same running process. */
        public boolean alive() {
            return ProcessHandle.of(pid)
                    .flatMap(p -> p.info().startInstant())
                    .map(start -> processStart == null || start.equals(processStart))
                    .orElse(false);
        }

        /** The refusal of a second run while this owner runs: which job, which process, since when. */
        public String inUseMessage(Path database) {
            return "the job database " + database + " is in use: job " + job + ParameterText.afterJobName(parameters)
                    + " is running in process " + pid + " since "
                    + SINCE.format(LocalDateTime.ofInstant(since, ZoneId.systemDefault()))
                    + ". Wait for it to finish, or use --db for another database.";
        }
    }

    private final Path file;

    private DatabaseOwner(Path file) {
        this.file = file;
    }

    public static Path fileFor(Path database) {
        return database.resolveSibling(database.getFileName() + ".owner.json");
    }

    /** The owner recorded for this database, if any, alive or not. */
    public static Optional<Owner> read(Path database) {
        Path file = fileFor(database);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(file.toFile(), Owner.class));
        } catch (JacksonException e) {
            return Optional.empty();
        }
    }

    /**
     * Refuses at once when a live process has the database open, and says what it waits for when the last process
     * to have it died: HSQLDB takes over a dead process's lock only once its heartbeat is about ten seconds old. A
     * lock with no owner recorded may be a run still starting, which HSQLDB's refusal then reports.
     *
     * @throws RunRefusedException when a live process has it open
     */
    static void refuseIfInUse(Path database) {
        Optional<Owner> owner = read(database);
        if (owner.isPresent() && owner.get().alive()) {
            throw new RunRefusedException(owner.get().inUseMessage(database));
        }
        if (owner.isPresent() && Files.exists(database.resolveSibling(database.getFileName() + ".lck"))) {
            log.info(
                    "The job database was left open by a process that stopped (process {}, job {}); waiting for "
                            + "its lock to expire (up to about 15 s)",
                    owner.get().pid(),
                    owner.get().job());
        }
    }

    /** Records this process as the owner; the database must already be open, so that the claim is true. */
    static DatabaseOwner claim(Path database, String job, Map<String, String> parameters) {
        ProcessHandle self = ProcessHandle.current();
        Owner owner = new Owner(self.pid(), self.info().startInstant().orElse(null), job, parameters, Instant.now());
        DatabaseOwner claimed = new DatabaseOwner(fileFor(database));
        claimed.write(owner);
        return claimed;
    }

    private void write(Owner content) {
        try {
            Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
            JSON.writeValue(temporary.toFile(), content);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | JacksonException e) {
            throw new IllegalStateException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

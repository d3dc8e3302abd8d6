package dev.promptbatch.cli;

import java.net.ConnectException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.Optional;

import org.hsqldb.persist.LockFile;
import org.springframework.jdbc.CannotGetJdbcConnectionException;

import dev.promptbatch.job.DatabaseOwner;
import dev.promptbatch.job.JobDatabase;

/**
 * Recognises HSQLDB's refusal to open a file database, and a PostgreSQL database lost during a run, and says why in
 * words the user can act on.
 */
final class DatabaseErrors {
    /**
     * How long a run that lost the database to one started moments before waits for that run to record itself as
     * the owner: it does so as soon as its database is open, within a second or two.
     */
    private static final Duration OWNER_PATIENCE = Duration.ofSeconds(10);

    private static final Duration POLL = Duration.ofMillis(100);

    private DatabaseErrors() {}

    /** A message for the user if the failure is the database lock, else null. */
    static String lockMessage(Throwable failure, Path database) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof LockFile.LockHeldExternallyException) {
                return awaitOwner(database)
                        .map(owner -> owner.inUseMessage(database))
                        .orElse("the job database " + database + " is in use by another process; wait for it to "
                                + "finish, or use --db for another database.");
            }
            if (cause instanceof LockFile.BaseException) {
                return "cannot lock the job database at " + database + ": " + cause.getMessage();
            }
        }
        return null;
    }

    /**
     * For a run whose PostgreSQL job database went away under it: what happened, naming the database without its
     * password, and that the run resumes; else null. Whatever was committed before is kept, and the same command
     * resumes after it once the database is back.
     */
    static String lostMessage(Throwable failure, JobDatabase database) {
        if (!database.postgres() || ExceptionExitCodes.refusal(failure)) {
            return null;
        }
        boolean connectionLost = false;
        Throwable innermost = failure;
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            innermost = cause;
            connectionLost |= cause instanceof SQLTransientConnectionException
                    || cause instanceof CannotGetJdbcConnectionException
                    || cause instanceof ConnectException
                    || cause instanceof SQLException sql
                            && sql.getSQLState() != null
                            && sql.getSQLState().startsWith("08");
        }
        if (!connectionLost) {
            return null;
        }
        return "lost the job database at " + database.display() + ": " + innermost.getMessage()
                + ". Nothing committed is lost: run the same command again to resume once it is back.";
    }

    /** The live owner of the database, once the process holding it has recorded itself. */
    private static Optional<DatabaseOwner.Owner> awaitOwner(Path database) {
        long deadline = System.nanoTime() + OWNER_PATIENCE.toNanos();
        while (true) {
            Optional<DatabaseOwner.Owner> owner = DatabaseOwner.read(database).filter(DatabaseOwner.Owner::alive);
            if (owner.isPresent() || System.nanoTime() > deadline) {
                return owner;
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }
}

package dev.promptbatch.job;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One job instance at a time across every machine that shares a PostgreSQL job database: a session-level advisory
 * lock on the job's name and {@code --param} values, held on a connection of its own for the whole run. PostgreSQL
 * releases it when that session ends, however the process ended, so a dead run's lock never has to expire. The
 * connection is named {@code promptbatch PID@HOST}, which a refused run reads back to say who holds the job.
 *
 * <p>That session can also end under a live run (an idle or dropped connection, {@code pg_terminate_backend}), and
 * another machine could then take the instance: {@link #confirmHeld()} asks, before each chunk is written, whether
 * this session is there and holds the lock still.
 */
public final class InstanceLock implements AutoCloseable, InstanceCheck {
    private static final DateTimeFormatter SINCE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final String HOLDER = """
            select a.application_name, a.backend_start
            from pg_locks l join pg_stat_activity a on a.pid = l.pid
            where l.locktype = 'advisory' and l.granted and l.objsubid = 1
              and l.database = (select oid from pg_database where datname = current_database())
              and l.classid::bigint = ? and l.objid::bigint = ?
            """;
    /**
     * Whether this very session holds the lock: it proves the session alive and, unlike a bare {@code select 1}, that
     * the lock is still its own (not released by {@code pg_advisory_unlock_all}, nor a pooler's other session).
     */
    private static final String HELD = """
            select exists (select 1 from pg_locks
            where locktype = 'advisory' and granted and objsubid = 1 and pid = pg_backend_pid()
              and database = (select oid from pg_database where datname = current_database())
              and classid::bigint = ? and objid::bigint = ?)
            """;

    /** Who holds a job instance: PostgreSQL's name of the session, and since when it is connected. */
    public record Holder(String name, Timestamp since) {
        public String describe() {
            return (name == null || name.isBlank() ? "another session" : name)
                    + (since == null ? "" : " since " + SINCE.format(since.toLocalDateTime()));
        }
    }

    private final Connection connection;
    private final long key;
    private final String instance;
    private final String database;

    private InstanceLock(Connection connection, long key, String instance, String database) {
        this.connection = connection;
        this.key = key;
        this.instance = instance;
        this.database = database;
    }

    /**
     * Holds the job instance for this process, or refuses at once naming the process that holds it.
     *
     * @throws RunRefusedException when another session holds it, the database cannot be reached, or refuses the lock
     */
    static InstanceLock claim(JobDatabase database, String job, Map<String, String> parameters) {
        Connection connection = database.connect();
        try {
            // A silently dropped connection fails the next check, as the pool's do, rather than hang the run.
            connection.setNetworkTimeout(Runnable::run, JobDatabase.SOCKET_TIMEOUT_SECONDS * 1000);
            long key = key(job, parameters);
            boolean held;
            try (PreparedStatement lock = connection.prepareStatement("select pg_try_advisory_lock(?)")) {
                lock.setLong(1, key);
                try (ResultSet row = lock.executeQuery()) {
                    row.next();
                    held = row.getBoolean(1);
                }
            }
            if (!held) {
                String holder = holder(connection, key).map(Holder::describe).orElse("another process");
                connection.close();
                throw new RunRefusedException("job " + job + ParameterText.afterJobName(parameters)
                        + " is running in " + holder + " (job database " + database.display()
                        + "); wait for it to finish, or run it with other --param values.");
            }
            return new InstanceLock(connection, key, job + ParameterText.afterJobName(parameters), database.display());
        } catch (SQLException e) {
            closeQuietly(connection);
            throw new RunRefusedException(
                    "cannot lock job " + job + ParameterText.afterJobName(parameters) + " in " + database.display()
                            + ": " + e.getMessage(),
                    e);
        }
    }

    /**
     * One round trip on the lock's own session, before each chunk is written.
     *
     * @throws InstanceLostException when the session has ended or no longer holds the lock
     */
    @Override
    public void confirmHeld() {
        String problem;
        SQLException failure = null;
        try (PreparedStatement query = connection.prepareStatement(HELD)) {
            query.setLong(1, key >>> 32);
            query.setLong(2, key & 0xffffffffL);
            try (ResultSet row = query.executeQuery()) {
                if (row.next() && row.getBoolean(1)) {
                    return;
                }
            }
            problem = "its session no longer holds it";
        } catch (SQLException e) {
            failure = e;
            problem = e.getMessage();
        }
        throw new InstanceLostException(
                "lost the lock on job " + instance + " at " + database + ": " + problem
                        + "; run the same command again to resume",
                failure);
    }

    /** Who holds the job instance now, if anyone: {@code status} tells a live run from a dead one by it. */
    public static Optional<Holder> holder(Connection connection, String job, Map<String, String> parameters)
            throws SQLException {
        return holder(connection, key(job, parameters));
    }

    private static Optional<Holder> holder(Connection connection, long key) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(HOLDER)) {
            query.setLong(1, key >>> 32);
            query.setLong(2, key & 0xffffffffL);
            try (ResultSet row = query.executeQuery()) {
                return row.next() ? Optional.of(new Holder(row.getString(1), row.getTimestamp(2))) : Optional.empty();
            }
        }
    }

    /**
     * The lock's key: the first 64 bits of SHA-256 over the job name and the {@code --param} values in name order,
     * each with its length so that no two instances run together into one text.
     */
    static long key(String job, Map<String, String> parameters) {
        StringBuilder text = new StringBuilder();
        append(text, job);
        new TreeMap<>(parameters).forEach((name, value) -> {
            append(text, name);
            append(text, value);
        });
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void append(StringBuilder text, String part) {
        text.append(part.length()).append(':').append(part).append(';');
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // The lock goes with the session either way.
        }
    }

    /** Ends the session, and with it the lock; a database already gone has released it. */
    @Override
    public void close() {
        closeQuietly(connection);
    }
}

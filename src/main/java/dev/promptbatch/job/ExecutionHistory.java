package dev.promptbatch.job;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.springframework.batch.core.repository.dao.DefaultExecutionContextSerializer;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * Reads the executions recorded in a job database, newest first, without taking its lock: an HSQLDB database is
 * opened read-only, so this works while a run holds it in another process (it sees what that run has committed).
 */
public final class ExecutionHistory {
    /** One execution with its step's counts; {@code answered} and {@code failed} are totals of the whole run. */
    public record Execution(
            long id,
            String job,
            Map<String, String> parameters,
            String status,
            LocalDateTime start,
            LocalDateTime end,
            long read,
            long written,
            long answered,
            long failed) {}

    private static final String EXECUTIONS = """
            select e.JOB_EXECUTION_ID, i.JOB_NAME, e.STATUS, e.START_TIME, e.END_TIME,
                   s.READ_COUNT, s.WRITE_COUNT, c.SHORT_CONTEXT, c.SERIALIZED_CONTEXT
            from BATCH_JOB_EXECUTION e
            join BATCH_JOB_INSTANCE i on i.JOB_INSTANCE_ID = e.JOB_INSTANCE_ID
            left join BATCH_STEP_EXECUTION s on s.JOB_EXECUTION_ID = e.JOB_EXECUTION_ID
            left join BATCH_STEP_EXECUTION_CONTEXT c on c.STEP_EXECUTION_ID = s.STEP_EXECUTION_ID
            where (cast(? as varchar(100)) is null or i.JOB_NAME = ?)
            order by e.JOB_EXECUTION_ID desc
            limit ?
            """;
    private static final String PARAMETERS = """
            select PARAMETER_NAME, PARAMETER_VALUE from BATCH_JOB_EXECUTION_PARAMS
            where JOB_EXECUTION_ID = ? and IDENTIFYING = 'Y'
            """;

    private ExecutionHistory() {}

    /** Whether a job database exists there: HSQLDB's files, or Spring Batch's tables in PostgreSQL. */
    public static boolean exists(JobDatabase database) {
        if (!database.postgres()) {
            Path file = database.file();
            return Files.exists(file.resolveSibling(file.getFileName() + ".script"));
        }
        try (Connection connection = database.connect()) {
            return PostgresSchema.exists(connection);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot read the job database " + database.display() + ": " + e.getMessage(), e);
        }
    }

    public static List<Execution> read(JobDatabase database, String job, int limit) {
        try (Connection connection = open(database)) {
            return read(connection, job, limit);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot read the job database " + database.display() + ": " + e.getMessage(), e);
        }
    }

    /**
     * A connection that takes no lock: HSQLDB read-only without its lock file, so that it works while a run holds
     * the database; PostgreSQL as one more session.
     */
    public static Connection open(JobDatabase database) throws SQLException {
        if (database.postgres()) {
            return database.connect();
        }
        String url = "jdbc:hsqldb:file:" + database.file().toAbsolutePath()
                + ";readonly=true;hsqldb.lock_file=false;ifexists=true";
        return DriverManager.getConnection(url, "sa", "");
    }

    private static List<Execution> read(Connection connection, String job, int limit) throws SQLException {
        try (PreparedStatement executions = connection.prepareStatement(EXECUTIONS);
                PreparedStatement parameters = connection.prepareStatement(PARAMETERS)) {
            executions.setString(1, job);
            executions.setString(2, job);
            executions.setInt(3, limit);
            List<Execution> result = new ArrayList<>();
            try (ResultSet row = executions.executeQuery()) {
                while (row.next()) {
                    long id = row.getLong(1);
                    Optional<RestartState.Written> written =
                            RestartState.Written.in(context(row.getString(8), row.getString(9)));
                    result.add(new Execution(
                            id,
                            row.getString(2),
                            parameters(parameters, id),
                            row.getString(3),
                            time(row.getTimestamp(4)),
                            time(row.getTimestamp(5)),
                            row.getLong(6),
                            row.getLong(7),
                            written.map(RestartState.Written::answers).orElse(0L),
                            written.map(RestartState.Written::failures).orElse(0L)));
                }
            }
            return result;
        }
    }

    private static Map<String, String> parameters(PreparedStatement statement, long execution) throws SQLException {
        statement.setLong(1, execution);
        Map<String, String> values = new TreeMap<>();
        try (ResultSet row = statement.executeQuery()) {
            while (row.next()) {
                if (!row.getString(1).equals(ResumePolicy.INSTANCE)) {
                    values.put(row.getString(1), row.getString(2));
                }
            }
        }
        return values;
    }

    private static ExecutionContext context(String shortContext, String longContext) {
        String serialized = longContext != null ? longContext : shortContext;
        if (serialized == null) {
            return new ExecutionContext();
        }
        try {
            return new ExecutionContext(new DefaultExecutionContextSerializer()
                    .deserialize(new ByteArrayInputStream(serialized.getBytes(StandardCharsets.UTF_8))));
        } catch (IOException e) {
            return new ExecutionContext();
        }
    }

    private static LocalDateTime time(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toLocalDateTime();
    }
}

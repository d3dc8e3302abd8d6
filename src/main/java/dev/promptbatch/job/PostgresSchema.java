package dev.promptbatch.job;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.ClassPathResource;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.datasource.init.ScriptUtils;

/**
 * Spring Batch's tables in a PostgreSQL job database, created by the first run that finds them missing. The check
 * and the creation share one transaction under an advisory lock, so that two machines starting at once do not both
 * create them (the second waits, then finds them).
 */
final class PostgresSchema {
    static final String SCRIPT = "org/springframework/batch/core/schema-postgresql.sql";

    /** The advisory lock key of schema creation, apart from every job instance's (which are hashes). */
    private static final long LOCK_KEY = 0x70726f6d70746261L;

    private static final Logger log = LoggerFactory.getLogger(PostgresSchema.class);

    private PostgresSchema() {}

    /** Creates the schema when missing; true when this call created it. */
    static boolean ensure(JobDatabase database) {
        try (Connection connection = database.connect()) {
            connection.setAutoCommit(false);
            try {
                try (PreparedStatement lock = connection.prepareStatement("select pg_advisory_xact_lock(?)")) {
                    lock.setLong(1, LOCK_KEY);
                    lock.execute();
                }
                boolean created = false;
                if (!exists(connection)) {
                    ScriptUtils.executeSqlScript(connection, new ClassPathResource(SCRIPT));
                    created = true;
                }
                connection.commit();
                if (created) {
                    log.info("Created the job repository's tables in {}", database.display());
                }
                return created;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException | DataAccessException e) {
            throw new RunRefusedException(
                    "cannot create the job repository's tables in " + database.display() + ": " + message(e), e);
        }
    }

    /**
     * PostgreSQL's own words on one line, such as "ERROR: permission denied for schema public", rather than the
     * script's wrapping or the position in the statement.
     */
    private static String message(Exception failure) {
        String message = failure.getMessage();
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException) {
                message = cause.getMessage();
            }
        }
        return message == null
                ? failure.toString()
                : message.lines().findFirst().orElse(message);
    }

    /** Whether Spring Batch's tables are in the connection's search path. */
    static boolean exists(Connection connection) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("select to_regclass('batch_job_execution')");
                ResultSet row = query.executeQuery()) {
            return row.next() && row.getString(1) != null;
        }
    }
}

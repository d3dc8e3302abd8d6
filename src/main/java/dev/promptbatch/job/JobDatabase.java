package dev.promptbatch.job;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where the job repository is: an HSQLDB file database at a path (the default, one process at a time), or a
 * PostgreSQL database that several machines share. The PostgreSQL user and password come from the environment and
 * appear in no message: {@link #display()} is the form to show.
 *
 * @param file     the HSQLDB database, or null for PostgreSQL
 * @param url      the PostgreSQL JDBC URL, or null for HSQLDB
 * @param user     the PostgreSQL user, or null to let the URL or the driver decide
 * @param password the PostgreSQL password, or null
 */
public record JobDatabase(Path file, String url, String user, String password) {
    public static final String USER_VARIABLE = "PROMPTBATCH_DB_USER";
    public static final String PASSWORD_VARIABLE = "PROMPTBATCH_DB_PASSWORD";

    /** How long opening a connection may take before the database counts as unreachable. */
    static final int CONNECT_TIMEOUT_SECONDS = 5;

    /** How long an answer from a connected database may take before its connection counts as lost. */
    static final int SOCKET_TIMEOUT_SECONDS = 120;

    /** PostgreSQL's SQLStates of a refused login: a wrong password, or a user it does not let in. */
    private static final Set<String> LOGIN_REFUSED = Set.of("28P01", "28000");

    private static final String POSTGRES_PREFIX = "jdbc:postgresql:";
    private static final Pattern PASSWORD_IN_URL = Pattern.compile("(?i)(password=)[^&]*");
    private static final Pattern CREDENTIALS_IN_AUTHORITY = Pattern.compile("(//[^/@:]*):[^/@]*@");

    /** An HSQLDB file database at this path. */
    public static JobDatabase file(Path file) {
        return new JobDatabase(file, null, null, null);
    }

    /**
     * The database that {@code --db} or {@code PROMPTBATCH_DB} names: a {@code jdbc:postgresql:} URL, with user and
     * password from {@code PROMPTBATCH_DB_USER} and {@code PROMPTBATCH_DB_PASSWORD}, or else a path.
     *
     * @throws IllegalArgumentException for a JDBC URL of another database
     */
    public static JobDatabase of(String value, Path workingDirectory, Map<String, String> environment) {
        if (value.startsWith(POSTGRES_PREFIX)) {
            return new JobDatabase(
                    null, value, blankToNull(environment.get(USER_VARIABLE)), environment.get(PASSWORD_VARIABLE));
        }
        if (value.startsWith("jdbc:")) {
            throw new IllegalArgumentException("a job database is a path (HSQLDB) or a jdbc:postgresql://HOST/DATABASE "
                    + "URL; " + display(value) + " is neither");
        }
        return file(workingDirectory.resolve(value));
    }

    public boolean postgres() {
        return url != null;
    }

    /** The database as messages name it: the path, or the URL with any password in it masked. */
    public String display() {
        return postgres() ? display(url) : file.toString();
    }

    private static String display(String url) {
        String masked = PASSWORD_IN_URL.matcher(url).replaceAll("$1***");
        return CREDENTIALS_IN_AUTHORITY.matcher(masked).replaceAll("$1:***@");
    }

    /**
     * A connection of its own to the PostgreSQL database, named {@link #applicationName()} so that other sessions can
     * tell which process holds a lock.
     *
     * tcpKeepAlive lets the operating system notice a connection that a dead peer or a firewall dropped.
     *
     * @throws RunRefusedException when the database cannot be reached or refuses the login
     */
    Connection connect() {
        Properties properties = new Properties();
        if (user != null) {
            properties.setProperty("user", user);
        }
        if (password != null) {
            properties.setProperty("password", password);
        }
        properties.setProperty("connectTimeout", String.valueOf(CONNECT_TIMEOUT_SECONDS));
        properties.setProperty("loginTimeout", String.valueOf(CONNECT_TIMEOUT_SECONDS));
        properties.setProperty("ApplicationName", applicationName());
        properties.setProperty("tcpKeepAlive", "true");
        try {
            return DriverManager.getConnection(url, properties);
        } catch (SQLException e) {
            if (LOGIN_REFUSED.contains(e.getSQLState())) {
                throw new RunRefusedException(
                        "the job database at " + display() + " refused the user: " + e.getMessage() + "; check "
                                + USER_VARIABLE + " and " + PASSWORD_VARIABLE,
                        e);
            }
            throw new RunRefusedException("cannot reach the job database at " + display() + ": " + e.getMessage(), e);
        }
    }

    /** {@code promptbatch PID@HOST}: this process, as other machines see it in PostgreSQL's session list. */
    static String applicationName() {
        return "promptbatch " + ProcessHandle.current().pid() + "@" + host();
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            String runtime = ManagementFactory.getRuntimeMXBean().getName();
            return runtime.substring(runtime.indexOf('@') + 1);
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    /** Never the password: records print their fields. */
    @Override
    public String toString() {
        return display();
    }
}

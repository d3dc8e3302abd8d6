package dev.promptbatch.cli;

import static dev.promptbatch.cli.ChildRun.await;
import static dev.promptbatch.cli.ChildRun.ids;
import static dev.promptbatch.cli.ChildRun.lines;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.promptbatch.job.JobDatabase;
import dev.promptbatch.job.PostgresServer;
import dev.promptbatch.simulator.Fault;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/**
 * The crash-safety guarantees with the job repository on a real PostgreSQL server: the real jar in child processes,
 * killed, run twice at once, and left without its database in the middle of a run.
 */
class PostgresCrashSafetyIT {
    private static final int RECORDS = 120;
    private static final int CONCURRENCY = 4;
    private static final List<Integer> EVERY_RECORD =
            IntStream.rangeClosed(1, RECORDS).boxed().toList();

    private static PostgresServer postgres;

    @RegisterExtension
    final SimulatorExtension simulated = SimulatorExtension.startedWith(SimulatorTestSettings.instant()
            .withModels(List.of("llama3.2:3b"))
            .withParallel(CONCURRENCY)
            .withTokensPerSecond(400)
            .withMedianTokens(20)
            .withLengthSigma(0.3));

    @TempDir
    Path dir;

    private OllamaSimulator simulator;
    private JobFixture job;
    private String database;

    @BeforeAll
    static void startPostgres() {
        postgres = PostgresServer.start();
    }

    @AfterAll
    static void stopPostgres() {
        postgres.close();
    }

    @BeforeEach
    void writeJobs() {
        database = postgres.newDatabaseUrl();
        job.numberedRecords("input.csv", RECORDS);
        job.write("job.yaml", spec("crash"));
        job.write("other.yaml", spec("other"));
    }

    @Test
    void killedMidRunThenRerunEveryRecordIsInTheOutputExactlyOnce() throws Exception {
        Path output = dir.resolve("out/crash.jsonl");
        ChildRun run = start("job.yaml");
        await(() -> lines(output) >= 40 && simulator.stats().generateRequests() > lines(output) + 2, run);
        run.kill();

        ChildRun status = status();
        assertThat(status.exitCode(60)).as(status.err()).isZero();
        assertThat(status.out())
                .containsPattern("(?m)^Execution 1 \\(crash -\\) is STARTED but not running \\(the process is "
                        + "gone; the next run resumes it\\)\\.$");

        ChildRun resumed = start("job.yaml");
        assertThat(resumed.exitCode(120)).as(resumed.err()).isZero();
        assertThat(resumed.err()).contains("Execution 1 of crash was left STARTED by a process that no longer runs");
        assertThat(ids(output)).isEqualTo(EVERY_RECORD);
        ChildRun after = status();
        assertThat(after.exitCode(60)).isZero();
        assertThat(after.out()).doesNotContain("not running").doesNotContain("STARTED");
    }

    @Test
    void aSecondRunOfTheJobIsRefusedNamingItsHolderWhileAnotherJobRunsBesideIt() throws Exception {
        Path output = dir.resolve("out/crash.jsonl");
        // Record 41 of the first job is answered only once the test lets it through: that run is still going.
        CountDownLatch gate = new CountDownLatch(1);
        simulator.faults().failWhen(r -> r.prompt().equals("record 41") && !pass(gate), Fault.SLOW);
        try {
            ChildRun first = start("job.yaml");
            await(() -> lines(output) >= 8, first);

            ChildRun second = start("job.yaml");
            assertThat(second.exitCode(60)).isEqualTo(2);
            String holder = "promptbatch " + first.process.pid() + "@"
                    + InetAddress.getLocalHost().getHostName();
            assertThat(second.err())
                    .startsWith("promptbatch: job crash is running in " + holder + " since ")
                    .endsWith("(job database " + database
                            + "); wait for it to finish, or run it with other --param values.\n");
            assertThat(second.out()).isEmpty();

            ChildRun status = status();
            assertThat(status.exitCode(60)).as(status.err()).isZero();
            assertThat(status.out())
                    .containsPattern("(?m)^Execution 1 \\(crash -\\) is running now in " + holder + " since ")
                    .doesNotContain("not running");

            ChildRun other = start("other.yaml");
            assertThat(other.exitCode(120)).as(other.err()).isZero();
            assertThat(ids(dir.resolve("out/other.jsonl"))).isEqualTo(EVERY_RECORD);
            assertThat(first.process.isAlive()).isTrue();

            gate.countDown();
            assertThat(first.exitCode(120)).as(first.err()).isZero();
            assertThat(ids(output)).isEqualTo(EVERY_RECORD);
        } finally {
            gate.countDown();
        }
    }

    @Test
    void theDatabaseStoppedMidRunFailsTheRunResumablyAndNothingIsLost() throws Exception {
        Path output = dir.resolve("out/crash.jsonl");
        ChildRun run = start("job.yaml");
        await(() -> lines(output) >= 40, run);
        postgres.stop();
        try {
            assertThat(run.exitCode(60)).as(run.err()).isEqualTo(1);
            assertThat(run.err())
                    .contains("promptbatch: lost the job database at " + database + ": ")
                    .endsWith(". Nothing committed is lost: run the same command again to resume once it is back.\n")
                    .doesNotContain("\tat ");
        } finally {
            postgres.startAgain();
        }

        ChildRun resumed = start("job.yaml");
        assertThat(resumed.exitCode(120)).as(resumed.err()).isZero();
        assertThat(ids(output)).isEqualTo(EVERY_RECORD);
        IntStream.rangeClosed(1, RECORDS)
                .forEach(n -> assertThat(simulator.stats().requestsForPrompt("record " + n))
                        .as("record %d", n)
                        .isPositive());
    }

    private ChildRun start(String spec) {
        return ChildRun.startWithEnvironment(
                dir,
                Map.of(JobDatabase.USER_VARIABLE, PostgresServer.USER),
                "run",
                spec,
                "--base-url",
                simulator.baseUrl().toString(),
                "--db",
                database);
    }

    private ChildRun status() {
        return ChildRun.startWithEnvironment(
                dir, Map.of(JobDatabase.USER_VARIABLE, PostgresServer.USER), "status", "--db", database);
    }

    /** A job of that name; each job's prompts are its own, so that holding back one job's record holds no other. */
    private static String spec(String name) {
        return """
                name: %s
                input: input.csv
                id-field: n
                model: llama3.2:3b
                prompt: "%s{{text}}"
                options: {seed: 3}
                output: out/%s.jsonl
                concurrency: %d
                """.formatted(name, name.equals("crash") ? "" : name + " ", name, CONCURRENCY);
    }

    private static boolean pass(CountDownLatch gate) {
        try {
            return gate.await(120, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}

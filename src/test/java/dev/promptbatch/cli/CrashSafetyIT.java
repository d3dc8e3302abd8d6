package dev.promptbatch.cli;

import static dev.promptbatch.cli.ChildRun.await;
import static dev.promptbatch.cli.ChildRun.ids;
import static dev.promptbatch.cli.ChildRun.lines;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.promptbatch.simulator.Fault;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/**
 * The real jar in a child process against the simulator in this one, killed and signalled as cron jobs are.
 * The simulator's answers take about 50 ms on 4 slots, so a run of 240 records takes a few seconds.
 */
class CrashSafetyIT {
    private static final int RECORDS = 240;
    private static final int CONCURRENCY = 4;
    /** What a crash may cost in requests sent again: the read-ahead window plus one uncommitted chunk. */
    private static final int RESENT_PER_CRASH_AT_MOST = Math.max(32, 16 * CONCURRENCY) + Math.max(8, CONCURRENCY);

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

    @BeforeEach
    void writeJob() {
        job.numberedRecords("input.csv", RECORDS);
        job.write("job.yaml", """
                name: crash
                input: input.csv
                id-field: n
                model: llama3.2:3b
                prompt: "{{text}}"
                options: {seed: 3}
                output: out/answers.jsonl
                concurrency: %d
                """.formatted(CONCURRENCY));
    }

    @Test
    void killedAtAnyMomentThenRerunEveryRecordIsInTheOutputExactlyOnce() throws Exception {
        Path output = dir.resolve("out/answers.jsonl");
        List<BooleanSupplier> killPoints = List.of(
                () -> simulator.stats().generateRequests() >= 1,
                () -> lines(output) >= 40 && simulator.stats().generateRequests() > lines(output) + 2,
                outputGrew(output));
        for (BooleanSupplier killPoint : killPoints) {
            ChildRun run = start();
            await(killPoint, run);
            run.kill();
        }
        ChildRun last = start();
        assertThat(last.exitCode(120)).as(last.err()).isZero();

        assertThat(ids(output))
                .isEqualTo(IntStream.rangeClosed(1, RECORDS).boxed().toList());
        long requests = promptRequests();
        assertThat(requests).isBetween((long) RECORDS, (long) RECORDS + killPoints.size() * RESENT_PER_CRASH_AT_MOST);
        IntStream.rangeClosed(1, RECORDS)
                .forEach(n -> assertThat(simulator.stats().requestsForPrompt("record " + n))
                        .as("record %d", n)
                        .isPositive());
        assertThat(last.err())
                .contains("was left STARTED by a process that no longer runs")
                .contains("waiting for its lock to expire");
    }

    @Test
    void sigintFinishesTheRequestsInFlightStopsResumablyAndNothingIsSentTwice() throws Exception {
        Path output = dir.resolve("out/answers.jsonl");
        ChildRun run = start();
        await(() -> lines(output) >= 24, run);
        run.signal("INT");
        assertThat(run.exitCode(60)).as(run.err()).isEqualTo(130);
        assertThat(run.out())
                .contains("crash stopped by SIGINT")
                .contains("Everything answered is saved: run the same command again to resume.");
        int stoppedAt = lines(output);
        assertThat(stoppedAt).isLessThan(RECORDS);
        // Every request sent before the signal was answered and committed: none is sent again.
        assertThat(promptRequests()).isEqualTo(stoppedAt);

        ChildRun status = ChildRun.start(dir, "status", "crash");
        assertThat(status.exitCode(60)).isZero();
        assertThat(status.out()).containsPattern("STOPPED .* " + stoppedAt + " +0\\n");

        ChildRun resumed = start();
        assertThat(resumed.exitCode(120)).as(resumed.err()).isZero();
        assertThat(ids(output))
                .isEqualTo(IntStream.rangeClosed(1, RECORDS).boxed().toList());
        assertThat(promptRequests()).isEqualTo(RECORDS);
    }

    @Test
    void aSecondRunOnTheSameDatabaseIsRefusedAndTheFirstCompletesIntact() throws Exception {
        Path output = dir.resolve("out/answers.jsonl");
        // Records 41-44 answer only after 15 s: the first run is certainly still going while the others start.
        simulator.faults().slowMillis(15_000);
        simulator
                .faults()
                .failWhen(
                        r -> Set.of("record 41", "record 42", "record 43", "record 44")
                                .contains(r.prompt()),
                        Fault.SLOW);
        ChildRun first = start();
        await(() -> lines(output) >= 8, first);

        ChildRun second = start();
        assertThat(second.exitCode(60)).isEqualTo(2);
        assertThat(second.err()).contains("is in use: job crash is running in process " + first.process.pid());

        ChildRun status = ChildRun.start(dir, "status");
        assertThat(status.exitCode(60)).isZero();
        assertThat(status.out())
                .contains("Running now in process " + first.process.pid())
                .doesNotContain("not running");
        // The live line and the table give the same committed counts.
        Matcher row = Pattern.compile("(?m)^ +(\\d+)  crash +- +STARTED .* (\\d+) +(\\d+)$")
                .matcher(status.out());
        assertThat(row.find()).as(status.out()).isTrue();
        assertThat(status.out())
                .containsPattern("(?m)^  " + row.group(2) + " answered, " + row.group(3)
                        + " failed, [0-9.]+ records/min in execution " + row.group(1) + "$");

        assertThat(first.exitCode(120)).as(first.err()).isZero();
        assertThat(ids(output))
                .isEqualTo(IntStream.rangeClosed(1, RECORDS).boxed().toList());
        assertThat(promptRequests()).isEqualTo(RECORDS);
    }

    @Test
    void twoRunsStartedHalfASecondApartTheLaterIsRefusedInOneLineNamingTheOther() throws Exception {
        Path output = dir.resolve("out/answers.jsonl");
        simulator.faults().slowMillis(10_000);
        simulator.faults().failWhen(r -> r.prompt().equals("record 41"), Fault.SLOW);
        ChildRun a = start();
        Thread.sleep(500);
        ChildRun b = start();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (a.process.isAlive() && b.process.isAlive()) {
            assertThat(System.nanoTime()).as("one of the runs ends").isLessThan(deadline);
            Thread.sleep(10);
        }
        ChildRun loser = a.process.isAlive() ? b : a;
        ChildRun winner = loser == a ? b : a;

        assertThat(loser.exitCode(0)).as(loser.err()).isEqualTo(2);
        // Both runs want the database and the output: whichever refusal comes first names the other run.
        String database = Pattern.quote(dir.resolve(".promptbatch/db").toString());
        assertThat(loser.err())
                .matches("promptbatch: the job database " + database + " is in use: job crash is "
                        + "running in process " + winner.process.pid() + " since [0-9]{4}-[0-9]{2}-[0-9]{2} "
                        + "[0-9]{2}:[0-9]{2}:[0-9]{2}\\. Wait for it to finish, or use --db for another database\\.\n"
                        + "|promptbatch: " + Pattern.quote(output.toString())
                        + " is being written by job crash \\(database "
                        + database + "\\) in process " + winner.process.pid()
                        + "; wait for it to finish, or give this job "
                        + "another output\n");
        assertThat(loser.out()).isEmpty();
        assertThat(winner.exitCode(120)).as(winner.err()).isZero();
        assertThat(ids(output))
                .isEqualTo(IntStream.rangeClosed(1, RECORDS).boxed().toList());
    }

    @Test
    void afterAKillStatusSaysTheExecutionIsNotRunningAndTheNextRunResumesIt() throws Exception {
        Path output = dir.resolve("out/answers.jsonl");
        ChildRun run = start();
        await(() -> lines(output) >= 40, run);
        run.kill();

        ChildRun status = ChildRun.start(dir, "status");
        assertThat(status.exitCode(60)).isZero();
        assertThat(status.out())
                .containsPattern("(?m)^ +\\d+  crash +- +STARTED ")
                .containsPattern("(?m)^Execution \\d+ \\(crash -\\) is STARTED but not running \\(the process is "
                        + "gone; the next run resumes it\\)\\.$")
                .doesNotContain("Running now");

        ChildRun resumed = start();
        assertThat(resumed.exitCode(120)).as(resumed.err()).isZero();
        assertThat(ids(output))
                .isEqualTo(IntStream.rangeClosed(1, RECORDS).boxed().toList());
        ChildRun after = ChildRun.start(dir, "status");
        assertThat(after.exitCode(60)).isZero();
        assertThat(after.out()).doesNotContain("not running").doesNotContain("STARTED");
    }

    @Test
    void sigintWhileAServerThatNeverAnswersIsCheckedStopsAtOnce() throws Exception {
        try (SilentServer hung = SilentServer.start()) {
            ChildRun run = ChildRun.start(
                    dir, "run", "job.yaml", "--base-url", hung.url().toString());
            await(() -> hung.connections() >= 1, run);
            run.signal("INT");

            assertThat(run.exitCode(10)).as(run.err()).isEqualTo(130);
            assertThat(run.out())
                    .isEqualTo("crash stopped before it started.\n"
                            + "Nothing was sent; the output is as it was. Run the same command again to start it.\n");
            assertThat(run.err())
                    .contains("SIGINT: stopping; no request is in flight")
                    .doesNotContain("\tat ");
        }
    }

    @Test
    void sigintBeforeANewRunStartsSaysSoLeavesTheLastRunAsItWasAndTheSameCommandThenRuns() throws Exception {
        Path output = dir.resolve("out/answers.jsonl");
        ChildRun first = start();
        assertThat(first.exitCode(120)).as(first.err()).isZero();
        byte[] firstAnswers = Files.readAllBytes(output);
        simulator.faults().holdVersion();
        long versionsAsked = simulator.stats().versionRequests();

        ChildRun stopped = ChildRun.start(
                dir, "run", "job.yaml", "--base-url", simulator.baseUrl().toString(), "--new-run");
        await(() -> simulator.stats().versionRequests() > versionsAsked, stopped);
        stopped.signal("INT");

        assertThat(stopped.exitCode(30)).as(stopped.err()).isEqualTo(130);
        assertThat(stopped.out())
                .isEqualTo("crash stopped before it started.\n"
                        + "Nothing was sent; the output is as it was. Run the same command again to start it.\n");
        assertThat(Files.readAllBytes(output)).isEqualTo(firstAnswers);

        simulator.faults().releaseVersion();
        simulator.stats().reset();
        ChildRun again = ChildRun.start(
                dir, "run", "job.yaml", "--base-url", simulator.baseUrl().toString(), "--new-run");
        assertThat(again.exitCode(120)).as(again.err()).isZero();
        assertThat(again.out()).startsWith("crash completed in ").contains("Output: out/answers.jsonl (240 answers)");
        assertThat(ids(output))
                .isEqualTo(IntStream.rangeClosed(1, RECORDS).boxed().toList());
        assertThat(promptRequests()).isEqualTo(RECORDS);
        ChildRun after = ChildRun.start(dir, "status", "crash");
        assertThat(after.exitCode(60)).isZero();
        // Two runs, each completed: the one stopped before it started left no execution.
        assertThat(after.out().split("COMPLETED", -1)).as(after.out()).hasSize(3);
        assertThat(after.out()).doesNotContain("STOPPED").doesNotContain("FAILED");
    }

    /** Requests that carried a prompt: the model loads before each run's first record do not count. */
    private long promptRequests() {
        return simulator.stats().requestsByPrompt().values().stream()
                .mapToLong(Integer::longValue)
                .sum();
    }

    private ChildRun start() {
        return ChildRun.start(
                dir, "run", "job.yaml", "--base-url", simulator.baseUrl().toString());
    }

    /** True once the output file has grown since the first call: the moment a chunk is being committed. */
    private static BooleanSupplier outputGrew(Path output) {
        long[] size = {-1};
        return () -> {
            long now = bytes(output);
            if (size[0] < 0 && now > 0) {
                size[0] = now;
            }
            return size[0] >= 0 && now > size[0];
        };
    }

    private static long bytes(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }
}

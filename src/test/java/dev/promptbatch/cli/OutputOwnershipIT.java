package dev.promptbatch.cli;

import static dev.promptbatch.cli.ChildRun.await;
import static dev.promptbatch.cli.ChildRun.ids;
import static dev.promptbatch.cli.ChildRun.lines;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.promptbatch.simulator.Fault;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/**
 * An output file belongs to one run at a time: the real jar in child processes, two at once, against one simulator
 * that holds back record 41 until the test lets it through, so that the first run is certainly still writing.
 */
class OutputOwnershipIT {
    private static final int RECORDS = 120;
    private static final String HELD = "record 41";

    @RegisterExtension
    final SimulatorExtension simulated = SimulatorExtension.startedWith(
            SimulatorTestSettings.instant().withModels(List.of("llama3.2:3b")).withParallel(4));

    @TempDir
    Path dir;

    private OllamaSimulator simulator;
    private JobFixture job;
    private final CountDownLatch gate = new CountDownLatch(1);

    @BeforeEach
    void holdRecordAndWriteJobs() {
        simulator.faults().failWhen(request -> request.prompt().equals(HELD) && !passGate(), Fault.SLOW);
        job.numberedRecords("input.csv", RECORDS);
        job.write("alpha.yaml", spec("alpha"));
        job.write("beta.yaml", spec("beta"));
    }

    @AfterEach
    void openGate() {
        gate.countDown();
    }

    @Test
    void aSecondJobWritingTheSameOutputIsRefusedAtOnceAndTheFirstCompletesWithAllRecords() throws Exception {
        ChildRun alpha = start("alpha.yaml", "db/alpha", simulator.baseUrl().toString());
        await(() -> lines(output()) >= 40, alpha);

        // Nothing listens on port 9: had the refused run asked a server first, it would say so instead.
        ChildRun beta = start("beta.yaml", "db/beta", "http://127.0.0.1:9");
        assertThat(beta.exitCode(60)).as(beta.err()).isEqualTo(2);
        assertThat(beta.err())
                .isEqualTo("promptbatch: " + output() + " is being written by job alpha (database "
                        + dir.resolve("db/alpha") + ") in process " + alpha.process.pid()
                        + "; wait for it to finish, or "
                        + "give this job another output\n");
        assertThat(beta.out()).isEmpty();

        gate.countDown();
        assertThat(alpha.exitCode(120)).as(alpha.err()).isZero();
        assertThat(alpha.out()).contains("Output: out/z.jsonl (" + RECORDS + " answers)");
        assertThat(ids(output()))
                .isEqualTo(IntStream.rangeClosed(1, RECORDS).boxed().toList());
        assertThat(Files.exists(dir.resolve("out/z.lock"))).isFalse();
    }

    @Test
    void theSameJobRunWithTwoDatabasesIsRefusedTheSecondTime() throws Exception {
        ChildRun first = start("alpha.yaml", "db/one", simulator.baseUrl().toString());
        await(() -> lines(output()) >= 40, first);

        ChildRun second = start("alpha.yaml", "db/two", simulator.baseUrl().toString());
        assertThat(second.exitCode(60)).as(second.err()).isEqualTo(2);
        assertThat(second.err())
                .contains(" is being written by job alpha (database " + dir.resolve("db/one") + ") in process "
                        + first.process.pid() + ";");

        gate.countDown();
        assertThat(first.exitCode(120)).as(first.err()).isZero();
        assertThat(ids(output()))
                .isEqualTo(IntStream.rangeClosed(1, RECORDS).boxed().toList());
        assertThat(promptRequests()).isEqualTo(RECORDS);
    }

    @Test
    void aRunWhoseOutputIsDeletedUnderItFailsAndTheRerunSaysTheAnswersAreLost() throws Exception {
        ChildRun run = start("alpha.yaml", "db/alpha", simulator.baseUrl().toString());
        await(() -> lines(output()) >= 40, run);
        Files.delete(output());
        gate.countDown();

        assertThat(run.exitCode(120)).as(run.err()).isEqualTo(1);
        assertThat(run.out())
                .startsWith("alpha failed: " + output() + " was deleted while this run was writing "
                        + "it: the answers committed to it are lost\n")
                .contains("Run again with --new-run to start over.")
                .doesNotContain("Nothing answered is lost");

        ChildRun status = ChildRun.start(dir, "status", "--db", "db/alpha");
        assertThat(status.exitCode(60)).isZero();
        assertThat(status.out()).contains(" FAILED ");

        ChildRun rerun = start("alpha.yaml", "db/alpha", simulator.baseUrl().toString());
        assertThat(rerun.exitCode(60)).isEqualTo(2);
        assertThat(rerun.err()).contains("cannot resume alpha: " + output() + " is gone: the answers in it are lost");

        ChildRun over = ChildRun.start(
                dir,
                "run",
                "alpha.yaml",
                "--db",
                "db/alpha",
                "--base-url",
                simulator.baseUrl().toString(),
                "--new-run");
        assertThat(over.exitCode(120)).as(over.err()).isZero();
        assertThat(ids(output()))
                .isEqualTo(IntStream.rangeClosed(1, RECORDS).boxed().toList());
    }

    private boolean passGate() {
        try {
            return gate.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String spec(String name) {
        return """
                name: %s
                input: input.csv
                id-field: n
                model: llama3.2:3b
                prompt: "{{text}}"
                options: {seed: 3}
                output: out/z.jsonl
                concurrency: 4
                """.formatted(name);
    }

    private Path output() {
        return dir.resolve("out/z.jsonl");
    }

    private ChildRun start(String spec, String database, String baseUrl) {
        return ChildRun.start(dir, "run", spec, "--db", database, "--base-url", baseUrl);
    }

    /** Requests that carried a prompt: the model loads before each run's first record do not count. */
    private long promptRequests() {
        return simulator.stats().requestsByPrompt().values().stream()
                .mapToLong(Integer::longValue)
                .sum();
    }
}

package dev.promptbatch.cli;

import static dev.promptbatch.cli.ChildRun.await;
import static dev.promptbatch.cli.ChildRun.ids;
import static dev.promptbatch.cli.ChildRun.lines;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/**
 * An embed job in the real jar, in a child process, killed with SIGKILL in the middle of its run and run again: the
 * batch is the unit of commit, so the resumed run sends exactly the batches that were not committed.
 */
class EmbedCrashSafetyIT {
    private static final int RECORDS = 400;
    private static final int BATCH_SIZE = 8;
    private static final int CONCURRENCY = 2;
    /** Batches a crash may cost at most: the read-ahead window plus one uncommitted chunk, both counted in batches. */
    private static final int RESENT_BATCHES_AT_MOST = Math.max(32, 16 * CONCURRENCY) + Math.max(8, CONCURRENCY);

    // Each record is 2 words and 2 special tokens: a batch of 8 takes 200 ms of a slot at 160 tokens/s.
    @RegisterExtension
    final SimulatorExtension simulated = SimulatorExtension.startedWith(SimulatorTestSettings.instant()
            .withModels(List.of("all-minilm"))
            .withParallel(CONCURRENCY)
            .withPromptTokensPerSecond(160));

    @TempDir
    Path dir;

    private OllamaSimulator simulator;
    private JobFixture job;

    @BeforeEach
    void writeJob() {
        job.numberedRecords("input.csv", RECORDS);
        job.write("job.yaml", """
                name: vectors
                endpoint: embed
                input: input.csv
                id-field: n
                model: all-minilm
                prompt: "{{text}}"
                batch-size: %d
                dimensions: 16
                output: out/vectors.jsonl
                concurrency: %d
                """.formatted(BATCH_SIZE, CONCURRENCY));
    }

    @Test
    void killedMidRunThenRerunEveryRecordIsInTheOutputOnceAndNoCommittedBatchIsSentAgain() throws Exception {
        Path output = dir.resolve("out/vectors.jsonl");
        ChildRun killed = start();
        await(() -> lines(output) >= 80, killed);
        killed.kill();
        assertThat(lines(output)).isLessThan(RECORDS);

        // What the killed run committed, as the database has it.
        ChildRun status = ChildRun.start(dir, "status", "vectors");
        assertThat(status.exitCode(60)).as(status.err()).isZero();
        Matcher row = Pattern.compile("(?m)^ +\\d+  vectors +- +STARTED .* (\\d+) +(\\d+)$")
                .matcher(status.out());
        assertThat(row.find()).as(status.out()).isTrue();
        long committed = Long.parseLong(row.group(1));
        assertThat(row.group(2)).isEqualTo("0");
        assertThat(committed).isPositive().isLessThan(RECORDS);
        assertThat(committed % BATCH_SIZE).as("whole batches commit").isZero();
        long inputsBeforeResume = simulator.stats().embedInputs();
        long requestsBeforeResume = simulator.stats().embedRequests();
        // Sent by the killed run and not committed: in flight, or answered in the window or an open chunk.
        assertThat(inputsBeforeResume - committed)
                .isNotNegative()
                .isLessThanOrEqualTo((long) RESENT_BATCHES_AT_MOST * BATCH_SIZE);

        ChildRun resumed = start();
        assertThat(resumed.exitCode(120)).as(resumed.err()).isZero();

        assertThat(ids(output))
                .isEqualTo(IntStream.rangeClosed(1, RECORDS).boxed().toList());
        assertThat(Files.readAllLines(output).stream()
                        .map(line -> JobFixture.JSON.readTree(line).get("batch").asInt())
                        .toList())
                .as("the same batches in both runs")
                .isEqualTo(IntStream.range(0, RECORDS)
                        .map(i -> i / BATCH_SIZE + 1)
                        .boxed()
                        .toList());
        // The resumed run sent exactly the records that were not committed, in whole batches, after a load.
        long records = RECORDS - committed;
        assertThat(simulator.stats().embedInputs() - inputsBeforeResume).isEqualTo(records);
        assertThat(simulator.stats().embedRequests() - requestsBeforeResume).isEqualTo(1 + records / BATCH_SIZE);
        assertThat(resumed.err()).contains("was left STARTED by a process that no longer runs");
    }

    private ChildRun start() {
        return ChildRun.start(
                dir, "run", "job.yaml", "--base-url", simulator.baseUrl().toString());
    }
}

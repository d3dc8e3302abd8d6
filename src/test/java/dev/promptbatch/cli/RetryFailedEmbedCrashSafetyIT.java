package dev.promptbatch.cli;

import static dev.promptbatch.cli.ChildRun.await;
import static dev.promptbatch.cli.ChildRun.ids;
import static dev.promptbatch.cli.ChildRun.lines;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.promptbatch.simulator.Fault;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/**
 * {@code run --retry-failed} of an embed job in the real jar, in a child process, killed with SIGKILL while it
 * retries: the retry's batches are made from the failed records alone, the same on every run of it, so the same
 * command resumes it and every record is once in the output.
 */
class RetryFailedEmbedCrashSafetyIT {
    private static final int RECORDS = 400;
    private static final int BATCH_SIZE = 8;
    private static final int CONCURRENCY = 2;

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
                retry: {max-attempts: 1}
                """.formatted(BATCH_SIZE, CONCURRENCY));
    }

    @Test
    void killedWhileRetryingThenRerunEveryRecordIsOnceInTheOutputInTheRetrysOwnBatches() throws Exception {
        Path output = dir.resolve("out/vectors.jsonl");
        Path errors = dir.resolve("out/vectors.errors.jsonl");
        // The first run: every other batch fails, the first included.
        simulator.faults().failWhen(r -> failingBatch(r.prompt()), Fault.INTERNAL_ERROR);
        ChildRun first = start();
        assertThat(first.exitCode(120)).as(first.err()).isEqualTo(3);
        List<Integer> answered = IntStream.rangeClosed(1, RECORDS)
                .filter(n -> !failing(n))
                .boxed()
                .toList();
        List<Integer> failed = IntStream.rangeClosed(1, RECORDS)
                .filter(RetryFailedEmbedCrashSafetyIT::failing)
                .boxed()
                .toList();
        assertThat(ids(output)).isEqualTo(answered);
        assertThat(ids(errors)).isEqualTo(failed);

        // The retry, killed once on the way, then run again to its end.
        simulator.faults().clear();
        ChildRun killed = start("--retry-failed");
        await(() -> lines(output) >= answered.size() + 5 * BATCH_SIZE, killed);
        killed.kill();
        assertThat(lines(output)).isLessThan(RECORDS);
        ChildRun last = start("--retry-failed");
        assertThat(last.exitCode(120)).as(last.err()).isZero();
        assertThat(last.err()).contains("Resuming the retry of the 200 failed record(s) of execution 0");

        assertThat(ids(output)).hasSize(RECORDS).startsWith(answered.toArray(Integer[]::new));
        assertThat(ids(output).subList(answered.size(), RECORDS)).isEqualTo(failed);
        // The retry's own batches: its records in eights, numbered from 1.
        assertThat(Files.readAllLines(output).stream()
                        .skip(answered.size())
                        .map(line -> JobFixture.JSON.readTree(line).get("batch").asInt())
                        .toList())
                .isEqualTo(IntStream.range(0, failed.size())
                        .map(i -> i / BATCH_SIZE + 1)
                        .boxed()
                        .toList());
        assertThat(errors).doesNotExist();
        assertThat(dir.resolve("out/vectors.errors.before-retry.jsonl")).doesNotExist();
        assertThat(dir.resolve("out/vectors.errors.retry.jsonl")).doesNotExist();
    }

    /** Records of the run's odd-numbered batches (1, 3, ...) fail in the first run. */
    private static boolean failing(int record) {
        return (record - 1) / BATCH_SIZE % 2 == 0;
    }

    private static boolean failingBatch(String inputs) {
        return failing(Integer.parseInt(inputs.split("\n")[0].substring("record ".length())));
    }

    private ChildRun start(String... more) {
        List<String> args = new ArrayList<>(
                List.of("run", "job.yaml", "--base-url", simulator.baseUrl().toString()));
        args.addAll(List.of(more));
        return ChildRun.start(dir, args.toArray(String[]::new));
    }
}

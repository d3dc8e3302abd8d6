package dev.promptbatch.cli;

import static dev.promptbatch.cli.ChildRun.await;
import static dev.promptbatch.cli.ChildRun.ids;
import static dev.promptbatch.cli.ChildRun.lines;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.promptbatch.simulator.Fault;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/**
 * {@code run --retry-failed} in the real jar in a child process, killed with SIGKILL while it retries: the same
 * command resumes it, and every record is once in the output or once in the errors file.
 */
class RetryFailedCrashSafetyIT {
    private static final int RECORDS = 240;
    private static final int CONCURRENCY = 4;

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
                retry: {max-attempts: 1}
                """.formatted(CONCURRENCY));
    }

    @Test
    void killedWhileRetryingThenRerunEveryRecordIsOnceInTheOutputOrOnceInTheErrorsFile() throws Exception {
        Path output = dir.resolve("out/answers.jsonl");
        Path errors = dir.resolve("out/answers.errors.jsonl");
        // The first run: every even record fails.
        simulator.faults().failWhen(r -> even(r.prompt()), Fault.INTERNAL_ERROR);
        ChildRun first = start();
        assertThat(first.exitCode(120)).as(first.err()).isEqualTo(3);
        List<Integer> odd = IntStream.rangeClosed(1, RECORDS)
                .filter(n -> n % 2 == 1)
                .boxed()
                .toList();
        assertThat(ids(output)).isEqualTo(odd);
        assertThat(ids(errors))
                .isEqualTo(IntStream.rangeClosed(1, RECORDS)
                        .filter(n -> n % 2 == 0)
                        .boxed()
                        .toList());

        // The retry: records 2 and 4 still fail, the others answer; it is killed twice on the way.
        simulator.faults().clear();
        simulator.faults().failWhen(r -> Set.of("record 2", "record 4").contains(r.prompt()), Fault.INTERNAL_ERROR);
        long before = simulator.stats().generateRequests();
        List<BooleanSupplier> killPoints = List.of(
                () -> simulator.stats().generateRequests() >= before + 1,
                () -> lines(output) >= odd.size() + 40
                        && simulator.stats().generateRequests() > before + lines(output) - odd.size() + 2);
        for (BooleanSupplier killPoint : killPoints) {
            ChildRun retry = start("--retry-failed");
            await(killPoint, retry);
            retry.kill();
        }
        ChildRun last = start("--retry-failed");
        assertThat(last.exitCode(120)).as(last.err()).isEqualTo(3);
        assertThat(last.err()).contains("Resuming the retry of the 120 failed record(s) of execution 0");

        List<Integer> answered = ids(output);
        assertThat(answered.subList(0, odd.size())).isEqualTo(odd);
        List<Integer> expected = new ArrayList<>(IntStream.rangeClosed(1, RECORDS)
                .filter(n -> n != 2 && n != 4)
                .boxed()
                .toList());
        assertThat(answered).hasSize(RECORDS - 2).containsExactlyInAnyOrderElementsOf(expected);
        // The retry's answers follow the run's, in the input's order.
        assertThat(answered.subList(odd.size(), answered.size()))
                .isEqualTo(IntStream.rangeClosed(6, RECORDS)
                        .filter(n -> n % 2 == 0)
                        .boxed()
                        .toList());
        assertThat(ids(errors)).containsExactly(2, 4);
        assertThat(Files.readAllLines(errors))
                .allSatisfy(line -> assertThat(line).contains("\"kind\":\"retries-exhausted\""));
        assertThat(dir.resolve("out/answers.errors.before-retry.jsonl")).doesNotExist();
        assertThat(dir.resolve("out/answers.errors.retry.jsonl")).doesNotExist();

        // Run again, the retry is complete: a new one sends the two that still fail, and they answer now.
        simulator.faults().clear();
        ChildRun again = start("--retry-failed");
        assertThat(again.exitCode(120)).as(again.err()).isZero();
        assertThat(ids(output)).hasSize(RECORDS).doesNotHaveDuplicates().endsWith(2, 4);
        assertThat(errors).doesNotExist();
    }

    private static boolean even(String prompt) {
        return Integer.parseInt(prompt.substring("record ".length())) % 2 == 0;
    }

    private ChildRun start(String... more) throws IOException {
        List<String> args = new ArrayList<>(
                List.of("run", "job.yaml", "--base-url", simulator.baseUrl().toString()));
        args.addAll(List.of(more));
        return ChildRun.start(dir, args.toArray(String[]::new));
    }
}

package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.promptbatch.simulator.Fault;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/** {@code run SPEC --retry-failed}: a completed run's failed records sent again, over real HTTP to the simulator. */
class RetryFailedTest {
    @RegisterExtension
    final SimulatorExtension simulated = SimulatorExtension.startedWith(SimulatorTestSettings.instant()
            .withModels(List.of("llama3.2:3b"))
            .withParallel(4)
            .withTokensPerSecond(2000)
            .withMedianTokens(20));

    @TempDir
    Path dir;

    private OllamaSimulator simulator;
    private JobFixture job;

    @Test
    void answeredRecordsMoveFromTheErrorsFileToTheEndOfTheOutputAndTheRestStay() {
        input();
        spec("");
        Set<String> failing = new ConcurrentSkipListSet<>(List.of("record 3", "record 7"));
        simulator.faults().failWhen(request -> failing.contains(request.prompt()), Fault.INTERNAL_ERROR);
        simulator.faults().failWhen(request -> request.prompt().equals("record 5"), Fault.PROMPT_TOO_LONG);

        assertThat(job.run("run", "jobs/j.yaml")).as(job.out + job.err).isEqualTo(3);
        assertThat(ids("output/o.jsonl")).containsExactly("1", "2", "4", "6", "8", "10");
        assertThat(errors())
                .containsExactly("3 retries-exhausted", "5 rejected", "7 retries-exhausted", "9 bad-record");

        // Record 3 answers now, record 7 still fails; the rejected and the bad record are not sent.
        failing.remove("record 3");
        int sentFor5 = simulator.stats().requestsForPrompt("record 5");
        assertThat(job.run("run", "jobs/j.yaml", "--retry-failed"))
                .as(job.out + job.err)
                .isEqualTo(3);
        assertThat(ids("output/o.jsonl")).containsExactly("1", "2", "4", "6", "8", "10", "3");
        assertThat(errors()).containsExactly("5 rejected", "7 retries-exhausted", "9 bad-record");
        assertThat(simulator.stats().requestsForPrompt("record 5")).isEqualTo(sentFor5);
        assertThat(job.out).contains("Output: output/o.jsonl (7 answers)").contains("(3 failures)");
        assertThat(Files.exists(dir.resolve("output/o.errors.before-retry.jsonl")))
                .isFalse();
        assertThat(Files.exists(dir.resolve("output/o.errors.retry.jsonl"))).isFalse();

        // A second retry, rejected records included: only the bad record is left.
        failing.clear();
        simulator.faults().clear();
        assertThat(job.run("run", "jobs/j.yaml", "--retry-failed", "--include-rejected"))
                .as(job.out + job.err)
                .isEqualTo(3);
        assertThat(ids("output/o.jsonl")).containsExactly("1", "2", "4", "6", "8", "10", "3", "5", "7");
        assertThat(errors()).containsExactly("9 bad-record");

        // Nothing left that a retry can change.
        assertThat(job.run("run", "jobs/j.yaml", "--retry-failed")).isEqualTo(2);
        assertThat(job.err)
                .contains("none of the 1 failures in ")
                .contains("can change on a retry: bad records never do");
        assertThat(errors()).containsExactly("9 bad-record");
        // The run itself is still complete, and status reads the database with its retries.
        assertThat(job.run("run", "jobs/j.yaml")).isZero();
        assertThat(job.out).contains("already completed");
        assertThat(job.runAsIs("status", "--db", dir.resolve("state/db").toString()))
                .as(job.err)
                .isZero();
    }

    @Test
    void aCsvOutputGetsTheRetriedRowsInItsOwnColumns() {
        job.numberedRecords("input/r.csv", 4);
        job.write(
                "jobs/j.yaml",
                "name: j\ninput: input/r.csv\nid-field: n\nmodel: llama3.2:3b\n"
                        + "prompt: \"{{text}}\"\noutput: output/o.csv\nconcurrency: 4\n"
                        + "retry: {max-attempts: 1}\n");
        simulator.faults().failWhen(request -> request.prompt().equals("record 1"), Fault.INTERNAL_ERROR);
        assertThat(job.run("run", "jobs/j.yaml")).isEqualTo(3);
        simulator.faults().clear();

        assertThat(job.run("run", "jobs/j.yaml", "--retry-failed"))
                .as(job.out + job.err)
                .isZero();
        List<Map<String, String>> rows = job.csvRows("output/o.csv");
        assertThat(rows).extracting(row -> row.get("id")).containsExactly("2", "3", "4", "1");
        assertThat(rows.get(3).get("response")).isNotEmpty();
        assertThat(job.lines("output/o.csv").get(0)).startsWith("id,line,model");
        assertThat(job.lines("output/o.csv")).hasSize(5);
    }

    @Test
    void everyRecordAnsweredOnRetryLeavesNoErrorsFileAndExitsZero() {
        job.numberedRecords("input/r.csv", 5);
        spec("");
        simulator.faults().failWhen(request -> request.prompt().equals("record 2"), Fault.INTERNAL_ERROR);
        assertThat(job.run("run", "jobs/j.yaml")).isEqualTo(3);
        simulator.faults().clear();

        assertThat(job.run("run", "jobs/j.yaml", "--retry-failed"))
                .as(job.out + job.err)
                .isZero();
        assertThat(ids("output/o.jsonl")).containsExactly("1", "3", "4", "5", "2");
        assertThat(Files.exists(dir.resolve("output/o.errors.jsonl"))).isFalse();
        assertThat(job.jsonLines("output/o.jsonl").get(4).get("response").asString())
                .isNotEmpty();
    }

    @Test
    void retryFailedAndNewRunAreRefusedTogether() {
        job.numberedRecords("input/r.csv", 3);
        spec("");
        assertThat(job.run("run", "jobs/j.yaml", "--retry-failed", "--new-run")).isEqualTo(2);
        assertThat(job.err)
                .contains("--retry-failed retries the failed records of the last run; --new-run starts "
                        + "another: choose one");
    }

    @Test
    void aRunWithoutFailuresHasNothingToRetry() {
        job.numberedRecords("input/r.csv", 3);
        spec("");
        assertThat(job.run("run", "jobs/j.yaml")).isZero();

        assertThat(job.run("run", "jobs/j.yaml", "--retry-failed")).isEqualTo(2);
        assertThat(job.err)
                .contains("--retry-failed: j completed (execution 0) without an errors file ("
                        + dir.resolve("output/o.errors.jsonl") + "): no record failed, nothing to retry.");
        assertThat(ids("output/o.jsonl")).containsExactly("1", "2", "3");
    }

    @Test
    void aRunThatIsNotCompleteIsResumedNotRetried() {
        job.numberedRecords("input/r.csv", 20);
        spec("max-failures: 1\n");
        simulator.faults().failWhen(request -> true, Fault.INTERNAL_ERROR);
        assertThat(job.run("run", "jobs/j.yaml")).as(job.out + job.err).isEqualTo(1);

        assertThat(job.run("run", "jobs/j.yaml", "--retry-failed")).isEqualTo(2);
        assertThat(job.err)
                .contains("--retry-failed: j is not complete (execution 0 is FAILED); only a completed run's failed "
                        + "records are retried. Run the same command without --retry-failed to resume it first.");
    }

    @Test
    void aJobThatNeverRanHasNothingToRetry() {
        job.numberedRecords("input/r.csv", 3);
        spec("");
        assertThat(job.run("run", "jobs/j.yaml", "--retry-failed")).isEqualTo(2);
        assertThat(job.err).contains("--retry-failed: j has not run yet, so nothing failed.");
    }

    @Test
    void includeRejectedGoesWithRetryFailed() {
        job.numberedRecords("input/r.csv", 3);
        spec("");
        assertThat(job.run("run", "jobs/j.yaml", "--include-rejected")).isEqualTo(2);
        assertThat(job.err).contains("--include-rejected goes with --retry-failed");
    }

    /** Ten records; record 9 has no text, so its prompt is empty: a bad record. */
    private void input() {
        StringBuilder csv = new StringBuilder("n,text\n");
        for (int n = 1; n <= 10; n++) {
            csv.append(n).append(',').append(n == 9 ? "" : "record " + n).append('\n');
        }
        job.write("input/r.csv", csv.toString());
    }

    private void spec(String extra) {
        job.write(
                "jobs/j.yaml",
                "name: j\ninput: input/r.csv\nid-field: n\nmodel: llama3.2:3b\n"
                        + "prompt: \"{{text}}\"\noutput: output/o.jsonl\nconcurrency: 4\n"
                        + "retry: {max-attempts: 2, initial-backoff: 1ms, max-backoff: 2ms}\n" + extra);
    }

    private List<String> ids(String file) {
        return job.jsonLines(file).stream().map(r -> r.get("id").asString()).toList();
    }

    private List<String> errors() {
        if (!Files.exists(dir.resolve("output/o.errors.jsonl"))) {
            return List.of();
        }
        return job.jsonLines("output/o.errors.jsonl").stream()
                .map(e -> e.get("id").asString() + " " + e.get("kind").asString())
                .toList();
    }
}

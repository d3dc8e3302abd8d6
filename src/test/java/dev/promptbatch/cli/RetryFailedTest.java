package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;

import dev.promptbatch.metrics.PrometheusText;
import dev.promptbatch.simulator.Fault;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatedRequest;
import dev.promptbatch.simulator.SimulatorTestSettings;

/** {@code run SPEC --retry-failed}: a completed run's failed records sent again, over real HTTP to the simulator. */
class RetryFailedTest {
    @RegisterExtension
    final SimulatorExtension simulated = SimulatorExtension.startedWith(SimulatorTestSettings.instant()
            .withModels(List.of("llama3.2:3b", "qwen2.5:7b", "all-minilm"))
            .withParallel(4)
            .withTokensPerSecond(2000)
            .withMedianTokens(20)
            // Only for jobs with a format: which answers are bad follows from the seed and the prompt.
            .withInvalidJsonRate(0.5));

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
        assertThat(job.out)
                .containsPattern("(?m)^j completed in [0-9.]+ m?s\\.$")
                .contains("Output: output/o.jsonl (7 answers)")
                .contains("(3 failures)")
                .doesNotContain("answers/min");
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
    void inASweepEachFailedRecordIsRetriedInItsOwnPassAndAppendedInRunOrder() {
        job.numberedRecords("input/r.csv", 3);
        job.write(
                "jobs/j.yaml",
                "name: j\ninput: input/r.csv\nid-field: n\nmodels: [llama3.2:3b, qwen2.5:7b]\nseeds: [1, 2]\n"
                        + "prompt: \"{{text}}\"\noutput: output/o.jsonl\nconcurrency: 4\n"
                        + "retry: {max-attempts: 2, initial-backoff: 1ms, max-backoff: 2ms}\n");
        List<String> sent = new CopyOnWriteArrayList<>();
        simulator
                .faults()
                .failWhen(
                        request -> request.prompt().startsWith("record ") && !sent.add(sent(request)),
                        Fault.INTERNAL_ERROR);
        Set<String> failing = new ConcurrentSkipListSet<>(
                List.of("llama3.2:3b record 2 seed 2", "qwen2.5:7b record 1 seed 1", "qwen2.5:7b record 3 seed 2"));
        simulator.faults().failWhen(request -> failing.contains(sent(request)), Fault.INTERNAL_ERROR);

        assertThat(job.run("run", "jobs/j.yaml")).as(job.out + job.err).isEqualTo(3);
        assertThat(passes("output/o.jsonl"))
                .containsExactly(
                        "llama3.2:3b 1 seed 1",
                        "llama3.2:3b 2 seed 1",
                        "llama3.2:3b 3 seed 1",
                        "llama3.2:3b 1 seed 2",
                        "llama3.2:3b 3 seed 2",
                        "qwen2.5:7b 2 seed 1",
                        "qwen2.5:7b 3 seed 1",
                        "qwen2.5:7b 1 seed 2",
                        "qwen2.5:7b 2 seed 2");
        assertThat(passes("output/o.errors.jsonl"))
                .containsExactly("llama3.2:3b 2 seed 2", "qwen2.5:7b 1 seed 1", "qwen2.5:7b 3 seed 2");

        // Two answer now; the third still fails. Only the failed items are sent, each with its own pass's seed.
        failing.remove("llama3.2:3b record 2 seed 2");
        failing.remove("qwen2.5:7b record 1 seed 1");
        sent.clear();
        assertThat(job.run("run", "jobs/j.yaml", "--retry-failed"))
                .as(job.out + job.err)
                .isEqualTo(3);
        // A model's passes may run side by side: the order of sending is not the output's.
        assertThat(sent)
                .containsExactlyInAnyOrder(
                        "llama3.2:3b record 2 seed 2",
                        "qwen2.5:7b record 1 seed 1",
                        "qwen2.5:7b record 3 seed 2",
                        "qwen2.5:7b record 3 seed 2");
        assertThat(passes("output/o.jsonl")).hasSize(11).endsWith("llama3.2:3b 2 seed 2", "qwen2.5:7b 1 seed 1");
        assertThat(passes("output/o.errors.jsonl")).containsExactly("qwen2.5:7b 3 seed 2");
    }

    @Test
    void inASweepAnInvalidOutputReAskedWithTheNextPasssSeedIsRetriedInItsOwnPass() {
        job.numberedRecords("input/r.csv", 20);
        String spec = "name: j\ninput: input/r.csv\nid-field: n\nmodel: llama3.2:3b\nseeds: [1, 2]\n"
                + "prompt: \"{{text}}\"\nformat: {type: object, properties: {title: {type: string}}, required: [title]}\n"
                + "output: output/o.jsonl\nconcurrency: 4\nschema-retries: %d\n";
        job.write("jobs/j.yaml", spec.formatted(1));
        assertThat(job.run("run", "jobs/j.yaml")).as(job.out + job.err).isEqualTo(3);
        List<JsonNode> failed = job.jsonLines("output/o.errors.jsonl");
        assertThat(failed)
                .isNotEmpty()
                .allSatisfy(line -> assertThat(line.get("kind").asString()).isEqualTo("invalid-output"));
        // A failure of pass 1 was asked again with seed 2, the seed of pass 2; its line says the pass's seed.
        assertThat(failed)
                .anySatisfy(line -> assertThat(line.get("seed").asLong()).isEqualTo(1));
        List<String> retried = failed.stream()
                .map(line -> "record " + line.get("id").asString() + " seed " + line.get("seed"))
                .toList();

        // More re-asks now: each failed record is asked first with its own pass's seed, then the next ones.
        job.write("jobs/j.yaml", spec.formatted(10));
        List<String> sent = new CopyOnWriteArrayList<>();
        simulator
                .faults()
                .failWhen(
                        request -> request.prompt().startsWith("record ") && !sent.add(sent(request)),
                        Fault.INTERNAL_ERROR);
        assertThat(job.run("run", "jobs/j.yaml", "--retry-failed"))
                .as(job.out + job.err)
                .isZero();
        List<JsonNode> output = job.jsonLines("output/o.jsonl");
        assertThat(output).hasSize(40);
        List<JsonNode> answered = output.subList(40 - retried.size(), 40);
        assertThat(answered)
                .extracting(r -> "record " + r.get("id").asString() + " seed "
                        + (r.get("seed").asLong() - r.get("reasks").asLong()))
                .containsExactlyElementsOf(retried);
        // Sent: for each, its pass's seed, then one more for each re-ask; nothing else.
        List<String> expected = new ArrayList<>();
        for (JsonNode answer : answered) {
            long seed = answer.get("seed").asLong();
            for (long s = seed - answer.get("reasks").asLong(); s <= seed; s++) {
                expected.add("llama3.2:3b record " + answer.get("id").asString() + " seed " + s);
            }
        }
        assertThat(sent).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(output)
                .extracting(r -> r.get("id").asString() + " "
                        + (r.get("seed").asLong() - r.get("reasks").asLong()))
                .doesNotHaveDuplicates();
    }

    @Test
    void inASweepAnErrorsLineWhosePassCannotBeToldIsRefusedNamingItsLine() throws Exception {
        job.numberedRecords("input/r.csv", 3);
        job.write(
                "jobs/j.yaml",
                "name: j\ninput: input/r.csv\nid-field: n\nmodel: llama3.2:3b\nseeds: [1, 2]\n"
                        + "prompt: \"{{text}}\"\noutput: output/o.jsonl\nconcurrency: 4\n"
                        + "retry: {max-attempts: 1}\n");
        simulator.faults().failWhen(request -> request.prompt().equals("record 2"), Fault.INTERNAL_ERROR);
        assertThat(job.run("run", "jobs/j.yaml")).isEqualTo(3);
        // As a version before the pass's seed was written for every failure might have left it.
        Path errors = dir.resolve("output/o.errors.jsonl");
        List<String> lines = Files.readAllLines(errors);
        assertThat(lines).hasSize(2);
        Files.writeString(errors, lines.get(0) + "\n" + lines.get(1).replace("\"seed\":2", "\"seed\":null") + "\n");

        assertThat(job.run("run", "jobs/j.yaml", "--retry-failed")).isEqualTo(2);
        assertThat(job.err)
                .contains("--retry-failed: " + errors + ", line 2: its seed is missing, so the pass it failed in "
                        + "cannot be told. Run again with --new-run to send everything again.");
        assertThat(ids("output/o.jsonl")).containsExactly("1", "3", "1", "3");
    }

    @Test
    void anEmbedJobSendsItsFailedRecordsAgainInBatchesOfBatchSize() {
        job.numberedRecords("input/r.csv", 6);
        job.write(
                "jobs/j.yaml",
                "name: j\nendpoint: embed\ninput: input/r.csv\nid-field: n\nmodel: all-minilm\n"
                        + "prompt: \"{{text}}\"\nbatch-size: 2\noutput: output/o.jsonl\nconcurrency: 4\n"
                        + "retry: {max-attempts: 2, initial-backoff: 1ms, max-backoff: 2ms}\n");
        // Records 2 and 3 are too long: their batches go one by one, and they alone fail. Batch 3 fails whole.
        simulator.faults().failWhen(request -> inputs(request).contains("record 2"), Fault.PROMPT_TOO_LONG);
        simulator.faults().failWhen(request -> inputs(request).contains("record 3"), Fault.PROMPT_TOO_LONG);
        simulator.faults().failWhen(request -> inputs(request).contains("record 6"), Fault.INTERNAL_ERROR);
        assertThat(job.run("run", "jobs/j.yaml")).as(job.out + job.err).isEqualTo(3);
        assertThat(ids("output/o.jsonl")).containsExactly("1", "4");
        assertThat(errors()).containsExactly("2 rejected", "3 rejected", "5 retries-exhausted", "6 retries-exhausted");

        simulator.faults().clear();
        List<List<String>> sent = new CopyOnWriteArrayList<>();
        simulator.faults().failWhen(request -> !sent.add(inputs(request)), Fault.INTERNAL_ERROR);
        assertThat(job.run("run", "jobs/j.yaml", "--retry-failed", "--include-rejected"))
                .as(job.out + job.err)
                .isZero();
        // Records 2 and 3, of two batches in the run, now go in one: two requests for four records.
        assertThat(sent).containsExactlyInAnyOrder(List.of("record 2", "record 3"), List.of("record 5", "record 6"));
        List<JsonNode> output = job.jsonLines("output/o.jsonl");
        assertThat(output)
                .extracting(r -> r.get("id").asString() + " batch " + r.get("batch") + " of " + r.get("batch_size"))
                .containsExactly(
                        "1 batch 1 of 1",
                        "4 batch 2 of 1",
                        "2 batch 1 of 2",
                        "3 batch 1 of 2",
                        "5 batch 2 of 2",
                        "6 batch 2 of 2");
        for (JsonNode record : output) {
            assertThat(List.copyOf(record.propertyNames()))
                    .isEqualTo(List.copyOf(output.get(0).propertyNames()));
            assertThat(record.get("embedding").size())
                    .isEqualTo(record.get("dimensions").asInt());
        }
        assertThat(Files.exists(dir.resolve("output/o.errors.jsonl"))).isFalse();
    }

    @Test
    void anOpenAiBatchOutputGetsOpenAiLinesAndItsErrorsFileKeepsOpenAisShape() {
        job.numberedRecords("input/r.csv", 4);
        spec("output-format: openai-batch\n");
        Set<String> failing = new ConcurrentSkipListSet<>(List.of("record 2", "record 4"));
        simulator.faults().failWhen(request -> failing.contains(request.prompt()), Fault.INTERNAL_ERROR);
        assertThat(job.run("run", "jobs/j.yaml")).as(job.out + job.err).isEqualTo(3);
        assertThat(customIds("output/o.jsonl")).containsExactly("1", "3");
        assertThat(customIds("output/o.errors.jsonl")).containsExactly("2", "4");
        String failedId =
                job.jsonLines("output/o.errors.jsonl").get(0).get("id").asString();

        failing.remove("record 2");
        assertThat(job.run("run", "jobs/j.yaml", "--retry-failed"))
                .as(job.out + job.err)
                .isEqualTo(3);
        assertThat(customIds("output/o.jsonl")).containsExactly("1", "3", "2");
        JsonNode answered = job.jsonLines("output/o.jsonl").get(2);
        assertThat(answered.get("id").asString()).isEqualTo(failedId);
        assertThat(answered.get("error").isNull()).isTrue();
        assertThat(answered.get("response").get("status_code").asInt()).isEqualTo(200);
        assertThat(answered.get("response").get("body").get("object").asString())
                .isEqualTo("text_completion");
        assertThat(answered.get("response")
                        .get("body")
                        .get("choices")
                        .get(0)
                        .get("text")
                        .asString())
                .isNotEmpty();
        List<JsonNode> errors = job.jsonLines("output/o.errors.jsonl");
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0).get("custom_id").asString()).isEqualTo("4");
        // The server's last answer, an HTTP 500, as OpenAI's line has it.
        assertThat(errors.get(0).get("response").get("status_code").asInt()).isEqualTo(500);
        assertThat(errors.get(0)
                        .get("response")
                        .get("body")
                        .get("error")
                        .get("message")
                        .asString())
                .startsWith("model runner has unexpectedly stopped");
        assertThat(errors.get(0).get("error").isNull()).isTrue();
        assertThat(errors.get(0).get("line").asInt()).isEqualTo(5);
        assertThat(errors.get(0).get("promptbatch").get("kind").asString()).isEqualTo("retries-exhausted");
    }

    @Test
    void theBatchCommandRetriesTheFailedRequestsOfItsFile() {
        StringBuilder requests = new StringBuilder();
        for (String id : List.of("a", "b", "c")) {
            requests.append("{\"custom_id\": \"")
                    .append(id)
                    .append("\", \"method\": \"POST\", \"url\": \"/v1/chat/completions\", \"body\": ")
                    .append("{\"model\": \"llama3.2:3b\", \"messages\": [{\"role\": \"user\", \"content\": \"ask ")
                    .append(id)
                    .append("\"}]}}\n");
        }
        job.write("requests.jsonl", requests.toString());
        simulator.faults().failWhen(request -> request.prompt().equals("ask b"), Fault.PROMPT_TOO_LONG);
        assertThat(batch()).as(job.out + job.err).isEqualTo(3);
        assertThat(customIds("out/results.jsonl")).containsExactly("a", "c");
        assertThat(customIds("out/results.errors.jsonl")).containsExactly("b");

        simulator.faults().clear();
        assertThat(batch("--retry-failed")).isEqualTo(2);
        assertThat(job.err).contains("rejected ones are sent again only with --include-rejected");
        assertThat(batch("--retry-failed", "--include-rejected"))
                .as(job.out + job.err)
                .isZero();
        assertThat(customIds("out/results.jsonl")).containsExactly("a", "c", "b");
        assertThat(Files.exists(dir.resolve("out/results.errors.jsonl"))).isFalse();
    }

    @Test
    void duringARetryTheProgressCountsTheRecordsSentAgainAndTheMetricsAreWrittenAtEveryInterval() throws Exception {
        job.numberedRecords("input/r.csv", 20);
        spec("");
        simulator.faults().failWhen(request -> number(request) > 8, Fault.INTERNAL_ERROR);
        Path metrics = dir.resolve("j.prom");
        assertThat(job.run("run", "jobs/j.yaml", "--metrics-file", metrics.toString()))
                .as(job.out + job.err)
                .isEqualTo(3);
        simulator.faults().clear();

        // The retry's first chunk (8 records) is written while record 20, in its second, is held: then a tick writes
        // the whole run's counts (8 + 8 answered, 12 - 8 failed) and the progress is of the 12 records sent again.
        retryWhileHolding(20, metrics, "16 answered, 4 failed", "8 of 12 records done");
        assertThat(counts(metrics)).isEqualTo("20 answered, 0 failed");
    }

    @Test
    void aResumedRetryCountsTheAnswersOfItsEarlierExecutionOnceInTheMetrics() throws Exception {
        job.numberedRecords("input/r.csv", 30);
        spec("");
        simulator.faults().failWhen(request -> number(request) > 8, Fault.INTERNAL_ERROR);
        Path metrics = dir.resolve("j.prom");
        assertThat(job.run("run", "jobs/j.yaml", "--metrics-file", metrics.toString()))
                .as(job.out + job.err)
                .isEqualTo(3);
        assertThat(counts(metrics)).isEqualTo("8 answered, 22 failed");

        // The retry answers records 9 to 16 (its first chunk), then record 17 fails past its budget.
        simulator.faults().clear();
        simulator.faults().failWhen(request -> number(request) == 17, Fault.INTERNAL_ERROR);
        spec("max-failures: 0\n");
        assertThat(job.run("run", "jobs/j.yaml", "--retry-failed", "--metrics-file", metrics.toString()))
                .as(job.out + job.err)
                .isEqualTo(1);
        assertThat(ids("output/o.jsonl")).hasSize(16);
        // Its summary and metrics count each record once: the errors file still lists the 8 answered now.
        assertThat(counts(metrics)).isEqualTo("16 answered, 14 failed");
        assertThat(job.out).contains("Output: output/o.jsonl (16 answers)").contains("(14 failures)");
        assertThat(errors()).hasSize(22);

        // Resumed: its first chunk (17 to 24) written while record 30 is held, a tick counts 8 + 8 + 8 answered and
        // 22 - 16 failed: the earlier execution's 8 answers are counted once, not also as failures.
        simulator.faults().clear();
        spec("");
        assertThat(retryWhileHolding(30, metrics, "24 answered, 6 failed", "16 of 22 records done"))
                .contains("Resuming the retry of the 22 failed record(s) of execution 0");
        assertThat(counts(metrics)).isEqualTo("30 answered, 0 failed");
        assertThat(ids("output/o.jsonl")).hasSize(30).doesNotHaveDuplicates();
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

    /**
     * {@code --retry-failed} with metrics and progress every 100 ms, the request of record {@code held} waiting until
     * the metrics file counts {@code counts} and the progress says {@code progress}; exit 0. Returns the log.
     */
    private String retryWhileHolding(int held, Path metrics, String counts, String progress) {
        AtomicBoolean seen = new AtomicBoolean();
        String logged;
        try (LogCapture log = new LogCapture()) {
            simulator
                    .faults()
                    .failWhen(
                            request -> {
                                if (number(request) == held) {
                                    seen.set(await(() -> counts(metrics).equals(counts)
                                            && log.text().contains(progress)));
                                }
                                return false;
                            },
                            Fault.INTERNAL_ERROR);
            assertThat(job.run(
                            "run",
                            "jobs/j.yaml",
                            "--retry-failed",
                            "--metrics-file",
                            metrics.toString(),
                            "--progress-interval",
                            "100ms"))
                    .as(job.out + job.err)
                    .isZero();
            logged = log.text();
        }
        assertThat(seen)
                .as("the metrics and progress while record " + held + " was held")
                .isTrue();
        return logged;
    }

    private void spec(String extra) {
        job.write(
                "jobs/j.yaml",
                "name: j\ninput: input/r.csv\nid-field: n\nmodel: llama3.2:3b\n"
                        + "prompt: \"{{text}}\"\noutput: output/o.jsonl\nconcurrency: 4\n"
                        + "retry: {max-attempts: 2, initial-backoff: 1ms, max-backoff: 2ms}\n" + extra);
    }

    private List<String> passes(String file) {
        return job.jsonLines(file).stream()
                .map(r -> r.get("model").asString() + " " + r.get("id").asString() + " seed " + r.get("seed"))
                .toList();
    }

    private List<String> customIds(String file) {
        return job.jsonLines(file).stream()
                .map(r -> r.get("custom_id").asString())
                .toList();
    }

    private int batch(String... more) {
        List<String> args = new ArrayList<>(List.of(
                "batch",
                "-i",
                "requests.jsonl",
                "-o",
                "out/results.jsonl",
                "--base-url",
                simulator.baseUrl().toString(),
                "--db",
                dir.resolve("state/db").toString()));
        args.addAll(List.of(more));
        return job.runAsIs(args.toArray(String[]::new));
    }

    /** A generate request as the sweep test names it: model, prompt and the seed sent. */
    private static String sent(SimulatedRequest request) {
        return request.model() + " " + request.prompt() + " seed "
                + request.options().get("seed");
    }

    /** An embed request's inputs. */
    private static List<String> inputs(SimulatedRequest request) {
        return List.of(request.prompt().split("\n"));
    }

    /** The N of a request for "record N", 0 for another. */
    private static int number(SimulatedRequest request) {
        return request.prompt().startsWith("record ")
                ? Integer.parseInt(request.prompt().substring("record ".length()))
                : 0;
    }

    /** The answered and failed records a metrics file counts, or "none" before it is there. */
    private static String counts(Path metrics) {
        try {
            if (!Files.exists(metrics)) {
                return "none";
            }
            PrometheusText text = PrometheusText.parse(Files.readString(metrics));
            String labels = "job=j,model=llama3.2:3b,outcome=";
            return Math.round(text.value("promptbatch_records_total", labels + "answered")) + " answered, "
                    + Math.round(text.value("promptbatch_records_total", labels + "failed")) + " failed";
        } catch (IOException e) {
            return "unreadable: " + e.getMessage();
        }
    }

    /** Whether {@code condition} held within 20 s. */
    private static boolean await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            LockSupport.parkNanos(Duration.ofMillis(1).toNanos());
        }
        return true;
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

package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;

import dev.promptbatch.simulator.Fault;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/** Faults, outages and bad input, over real HTTP against the simulator's fault switches. */
class ResilienceTest {
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
    void tenPercentMixedFaultsEveryRecordAnsweredOnceWithItsAttemptsCounted() {
        records(200);
        spec("""
                timeout: 500ms
                retry: {max-attempts: 8, initial-backoff: 5ms, max-backoff: 40ms}
                """);
        simulator.faults().seed(11);
        simulator.faults().slowMillis(1500);
        simulator.faults().rate(Fault.SERVICE_UNAVAILABLE, 0.02);
        simulator.faults().rate(Fault.INTERNAL_ERROR, 0.02);
        simulator.faults().rate(Fault.DROP_CONNECTION, 0.015);
        simulator.faults().rate(Fault.MALFORMED_BODY, 0.01);
        simulator.faults().rate(Fault.TRUNCATED_BODY, 0.01);
        simulator.faults().rate(Fault.NOT_DONE, 0.01);
        simulator.faults().rate(Fault.SLOW, 0.015);

        assertThat(job.run("run", "jobs/j.yaml")).as(job.err).isZero();

        List<JsonNode> output = job.jsonLines("output/o.jsonl");
        assertThat(output)
                .extracting(r -> r.get("id").asInt())
                .isEqualTo(IntStream.rangeClosed(1, 200).boxed().toList());
        int attempts = output.stream().mapToInt(r -> r.get("attempts").asInt()).sum();
        int requests = simulator.stats().requestsByPrompt().values().stream()
                .mapToInt(Integer::intValue)
                .sum();
        // A busy answer, a connection closed before any response byte and one cut under the answer are sent again
        // but are no attempts.
        int unanswered = IntStream.rangeClosed(1, 200)
                .map(n -> simulator.stats().unansweredForPrompt("record " + n))
                .sum();
        assertThat(unanswered).isPositive();
        assertThat(attempts).isEqualTo(requests - unanswered);
        assertThat(output).filteredOn(r -> r.get("attempts").asInt() > 1).hasSizeGreaterThan(5);
        IntStream.rangeClosed(1, 200)
                .forEach(n -> assertThat(simulator.stats().requestsForPrompt("record " + n)
                                - simulator.stats().unansweredForPrompt("record " + n))
                        .isEqualTo(output.get(n - 1).get("attempts").asInt()));
    }

    @Test
    void anOutageBehindAProxyIsWaitedOutWithOneRequestPerProbeAndNoRecordFailed() throws Exception {
        records(400);
        spec("""
                retry: {max-attempts: 100, initial-backoff: 10ms, max-backoff: 100ms}
                max-outage: 2m
                """);
        simulated.start(SimulatorTestSettings.instant()
                .withModels(List.of("llama3.2:3b"))
                .withParallel(4)
                .withTokensPerSecond(400)
                .withMedianTokens(20)
                .withLengthSigma(0));
        LogCapture log = new LogCapture();
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> job.run("run", "jobs/j.yaml"));
        awaitUntil(() -> simulator.stats().generateRequests() >= 60);
        Queue<Long> failedAt = new ConcurrentLinkedQueue<>();
        simulator.faults().failWhen(request -> failedAt.add(System.nanoTime()), Fault.BAD_GATEWAY);
        awaitUntil(() -> log.text().contains("is not answering; pausing requests"));
        // Requests that had their slot before the pause may still arrive just after it; from then on, one request
        // follows each probe, every 2 s.
        long settled = System.nanoTime() + Duration.ofMillis(500).toNanos();
        awaitUntil(() -> failedAt.stream().filter(at -> at > settled).count() >= 3);
        List<Long> afterPause =
                failedAt.stream().filter(at -> at > settled).sorted().toList();
        simulator.faults().clear();

        assertThat(run.get(120, TimeUnit.SECONDS)).as(job.out).isZero();
        // Without the pause, 4 workers retrying every 100 ms at most would send requests milliseconds apart.
        IntStream.range(1, afterPause.size())
                .forEach(i -> assertThat(Duration.ofNanos(afterPause.get(i) - afterPause.get(i - 1)))
                        .isGreaterThan(Duration.ofMillis(1500)));
        log.close();
        assertThat(log.text())
                .contains("WARN The server at " + simulator.baseUrl() + " is not answering; pausing "
                        + "requests to it and probing it every 2 s; the run waits for it for up to 120 s (max-outage)");
        assertThat(job.jsonLines("output/o.jsonl"))
                .extracting(r -> r.get("id").asInt())
                .isEqualTo(IntStream.rangeClosed(1, 400).boxed().toList());
        assertThat(Files.exists(dir.resolve("output/o.errors.jsonl"))).isFalse();
    }

    @Test
    void recordsThatKeepFailingOrAreRejectedGoToTheErrorsFileAndTheRunCompletesWithExitThree() {
        records(6);
        spec("retry: {max-attempts: 3, initial-backoff: 5ms, max-backoff: 10ms}\n");
        simulator.faults().failWhen(request -> request.prompt().equals("record 4"), Fault.INTERNAL_ERROR);

        assertThat(job.run("run", "jobs/j.yaml")).isEqualTo(3);
        assertThat(job.jsonLines("output/o.jsonl"))
                .extracting(r -> r.get("id").asInt())
                .containsExactly(1, 2, 3, 5, 6);
        assertThat(job.lines("output/o.errors.jsonl"))
                .containsExactly("{\"id\":\"4\",\"line\":5,\"model\":"
                        + "\"llama3.2:3b\",\"server\":\"" + simulator.baseUrl()
                        + "\",\"seed\":null,\"kind\":\"retries-exhausted\",\"message\":\"HTTP 500: model runner "
                        + "has unexpectedly stopped, this may be due to resource limitations or an internal error, check "
                        + "ollama server logs for details (3 attempts)\",\"attempts\":3}");

        simulator.faults().clear();
        simulator.faults().failWhen(request -> request.prompt().endsWith("5"), Fault.PROMPT_TOO_LONG);
        assertThat(job.run("run", "jobs/j.yaml", "--new-run")).isEqualTo(3);
        assertThat(job.jsonLines("output/o.errors.jsonl")).singleElement().satisfies(line -> {
            assertThat(line.get("id").asString()).isEqualTo("5");
            assertThat(line.get("kind").asString()).isEqualTo("rejected");
            assertThat(line.get("message").asString())
                    .startsWith("HTTP 400: the prompt is longer than the " + "context length");
            assertThat(line.get("attempts").asInt()).isEqualTo(1);
        });

        job.write(
                "jobs/t.yaml",
                "name: t\ninput: input/r.csv\nid-field: n\nmodel: llama3.2:3b\n"
                        + "prompt: \"{{text}}\"\nthink: true\noutput: output/t.jsonl\n");
        assertThat(job.run("run", "jobs/t.yaml")).isEqualTo(2);
        assertThat(job.err).contains("model 'llama3.2:3b' cannot think (its capabilities: completion)");
    }

    @Test
    void pastTheErrorBudgetTheRunFails() {
        StringBuilder input = new StringBuilder("n,text\n");
        IntStream.rangeClosed(1, 40)
                .forEach(n -> input.append(n)
                        .append(',')
                        .append(n % 10 == 0 ? "" : "record " + n)
                        .append('\n'));
        job.write("input/r.csv", input.toString());
        spec("max-failures: 3\n");
        assertThat(job.run("run", "jobs/j.yaml")).isEqualTo(1);
        assertThat(job.out)
                .contains("j failed: 4 of 40 records failed, more than max-failures (3) allows; the last: "
                        + "line 41, bad-record: the prompt renders empty");

        spec("max-failures: 12%\n");
        assertThat(job.run("run", "jobs/j.yaml", "--new-run")).isEqualTo(3);
        spec("max-failures: 5%\n");
        assertThat(job.run("run", "jobs/j.yaml", "--new-run")).isEqualTo(1);
        assertThat(job.out).contains("2 of 20 records failed, more than max-failures (5%) allows");
    }

    @Test
    void everyKindOfBadInputIsOneErrorsFileLineAndEverythingElseIsAnswered() throws IOException {
        Path csv = dir.resolve("input/bad.csv");
        Files.createDirectories(csv.getParent());
        Files.write(
                csv,
                bytes(
                        "id,text\n",
                        "1,fine one\n",
                        "2,\"unbalanced quote\n",
                        "3,too,many,fields\n",
                        "4,",
                        new byte[] {(byte) 0xFF, (byte) 0xFE},
                        "\n",
                        "5,",
                        "x".repeat(300),
                        "\n",
                        "6,\n",
                        "\n",
                        "7,fine two\n"));
        job.write(
                "jobs/csv.yaml",
                "name: bad-csv\ninput: input/bad.csv\nid-field: id\nmodel: llama3.2:3b\n"
                        + "prompt: \"{{text}}\"\noutput: output/csv.jsonl\nmax-record-size: 200\n");
        assertThat(job.run("run", "jobs/csv.yaml")).isEqualTo(3);
        assertThat(job.jsonLines("output/csv.jsonl"))
                .extracting(r -> r.get("id").asString())
                .containsExactly("1", "7");
        assertThat(errors("output/csv.errors.jsonl"))
                .containsExactly(
                        "null 3 bad-record unclosed quote: a quoted field starts on line 3 but it is still open at the end of "
                                + "the file; the following lines are read as records of their own",
                        "null 4 bad-record expected 2 fields (id,text), found 4",
                        "null 5 bad-record not valid UTF-8",
                        "null 6 bad-record line longer than 200 bytes",
                        "6 7 bad-record the prompt renders empty");

        Path jsonl = dir.resolve("input/bad.jsonl");
        Files.write(
                jsonl,
                bytes(
                        "{\"id\":\"a\",\"text\":\"fine one\"}\n",
                        "{\"id\":\"b\",\"text\":\"oops\"\n",
                        "[\"an\",\"array\"]\n",
                        "{\"id\":\"d\",\"text\":\"",
                        new byte[] {(byte) 0xC3, (byte) 0x28},
                        "\"}\n",
                        "{\"id\":\"e\",\"text\":\"",
                        "y".repeat(300),
                        "\"}\n",
                        "{\"id\":\"f\"}\n",
                        "{\"id\":\"g\",\"text\":\"\"}\n",
                        "\n",
                        "{\"id\":\"h\",\"text\":\"fine two\"}\n"));
        job.write(
                "jobs/jsonl.yaml",
                "name: bad-jsonl\ninput: input/bad.jsonl\nid-field: id\n"
                        + "model: llama3.2:3b\nprompt: \"{{text}}\"\noutput: output/jsonl.jsonl\nmax-record-size: 200\n");
        assertThat(job.run("run", "jobs/jsonl.yaml")).isEqualTo(3);
        assertThat(job.jsonLines("output/jsonl.jsonl"))
                .extracting(r -> r.get("id").asString())
                .containsExactly("a", "h");
        assertThat(errors("output/jsonl.errors.jsonl"))
                .containsExactly(
                        "null 2 bad-record invalid JSON at column 24: Unexpected end-of-input: expected close marker for "
                                + "Object",
                        "null 3 bad-record not a JSON object: found an array",
                        "null 4 bad-record not valid UTF-8",
                        "null 5 bad-record line longer than 200 bytes",
                        "f 6 bad-record missing field 'text'",
                        "g 7 bad-record the prompt renders empty");
        assertThat(simulator.stats().requestsByPrompt().keySet()).containsExactlyInAnyOrder("fine one", "fine two");
    }

    @Test
    void validateChecksEverythingAndSendsNoPrompt() {
        job.write("input/r.csv", "n,text\n1,record one\n2,\n3,\"open\n");
        spec("system: \"Answer briefly about {{n}}.\"\n");
        assertThat(job.runAsIs(
                        "validate",
                        "jobs/j.yaml",
                        "--base-url",
                        simulator.baseUrl().toString(),
                        "--no-estimate"))
                .isEqualTo(2);
        assertThat(job.out)
                .contains("Input input/r.csv: 3 records, 1 good, 2 bad:")
                .contains("  line 3: the prompt renders empty")
                .contains("  line 4: unclosed quote")
                .contains("First prompt (record 1, line 2):\n  system: Answer briefly about 1.\n  prompt: record one")
                .contains("Server " + simulator.baseUrl() + ": Ollama 0.33.0")
                .contains("Not ready: see above.");

        job.write("input/r.csv", "n,text\n1,record one\n");
        assertThat(job.runAsIs(
                        "validate",
                        "jobs/j.yaml",
                        "--base-url",
                        simulator.baseUrl().toString(),
                        "--no-estimate"))
                .isZero();
        assertThat(job.out).contains("Ready to run.");
        job.write(
                "jobs/m.yaml",
                "name: m\ninput: input/r.csv\nmodel: mistral\nprompt: \"{{text}}\"\n" + "output: output/m.jsonl\n");
        assertThat(job.runAsIs(
                        "validate",
                        "jobs/m.yaml",
                        "--base-url",
                        simulator.baseUrl().toString(),
                        "--no-estimate"))
                .isEqualTo(2);
        assertThat(job.out).contains("model 'mistral' is not on the server");
        assertThat(simulator.stats().generateRequests()).isZero();
    }

    /** Polls {@code condition} until it holds, for at most a minute. */
    private static void awaitUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime())
                    .as("the condition holds within a minute")
                    .isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    private void records(int count) {
        job.numberedRecords("input/r.csv", count);
    }

    private void spec(String extra) {
        job.write(
                "jobs/j.yaml",
                "name: j\ninput: input/r.csv\nid-field: n\nmodel: llama3.2:3b\n"
                        + "prompt: \"{{text}}\"\noutput: output/o.jsonl\nconcurrency: 4\n" + extra);
    }

    private List<String> errors(String file) {
        return job.jsonLines(file).stream()
                .map(e -> (e.get("id").isNull() ? "null" : e.get("id").asString()) + " "
                        + e.get("line").asInt() + " " + e.get("kind").asString() + " "
                        + e.get("message").asString())
                .toList();
    }

    private static byte[] bytes(Object... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (Object part : parts) {
            byte[] b = part instanceof byte[] raw ? raw : part.toString().getBytes(StandardCharsets.UTF_8);
            out.writeBytes(b);
        }
        return out.toByteArray();
    }
}

package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.promptbatch.input.DataRecord;
import dev.promptbatch.input.InputRecord;
import dev.promptbatch.ollama.ServerAddress;
import dev.promptbatch.servers.Preflight;
import dev.promptbatch.servers.ServerTarget;
import dev.promptbatch.servers.Ticker;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.ServerQuirks;
import dev.promptbatch.simulator.SimulatorSettings;
import dev.promptbatch.simulator.SimulatorTestSettings;
import dev.promptbatch.spec.JobSpec;
import dev.promptbatch.spec.ServerApi;
import dev.promptbatch.spec.SpecLoader;

/**
 * {@code validate}'s estimate of a run's time, over HTTP against simulators whose reported durations are exact:
 * every answer is 100 tokens generated at 2,000 tokens/s, so the estimate's numbers are known in advance.
 */
class RunEstimateTest {
    private static final SimulatorSettings KNOWN_SPEED = SimulatorTestSettings.instant()
            .withModels(List.of("llama3.2:3b", "qwen2.5:7b"))
            .withTokensPerSecond(2000)
            .withMedianTokens(100)
            .withLengthSigma(0);

    @RegisterExtension
    final SimulatorExtension simulated = SimulatorExtension.startedWith(KNOWN_SPEED);

    @TempDir
    Path dir;

    private OllamaSimulator simulator;
    private JobFixture job;

    @Test
    void theEstimateIsRecordsTimesPassesTimesTokensOverMeasuredSpeedOverSlots() {
        job.numberedRecords("input/n.csv", 1200);
        job.write("jobs/e.yaml", """
                name: e
                input: input/n.csv
                model: llama3.2:3b
                prompt: "Say {{text}}."
                seeds: [1, 2]
                concurrency: 2
                output: output/e.jsonl
                """);

        assertThat(job.runAsIs(
                        "validate",
                        "jobs/e.yaml",
                        "--base-url",
                        simulator.baseUrl().toString()))
                .as(job.out + job.err)
                .isZero();

        // 2,400 requests × 100 tokens ÷ 2,000 tokens/s ÷ 2 slots = 60 s.
        assertThat(job.out)
                .contains("Estimate: about 1 min (2,400 requests × ~100 tokens at ~2,000 tokens/s measured on 3 "
                        + "samples, 2 slots). An estimate: the first answers of a cold model are slower.\n"
                        + "Ready to run.\n");
        assertThat(simulator.stats().generateRequests()).isEqualTo(RunEstimate.SAMPLES);
        assertThat(simulator.stats().requestsForPrompt("Say record 1.")).isEqualTo(1);
        assertThat(simulator.stats().requestsForPrompt("Say record 3.")).isEqualTo(1);
        assertThat(simulator.stats().requestsForPrompt("Say record 4.")).isZero();
    }

    @Test
    void eachModelIsMeasuredAndItsSlotsAreSummedOverTheServersThatHaveIt() throws IOException {
        try (OllamaSimulator second = OllamaSimulator.start(KNOWN_SPEED.withModels(List.of("llama3.2:3b")))) {
            job.numberedRecords("input/n.csv", 600);
            job.write("jobs/two.yaml", """
                    name: two
                    input: input/n.csv
                    models: [llama3.2:3b, qwen2.5:7b]
                    prompt: "Say {{text}}."
                    servers:
                      - url: %s
                        concurrency: 4
                      - url: %s
                        concurrency: 2
                    output: output/two.jsonl
                    """.formatted(simulator.baseUrl(), second.baseUrl()));

            assertThat(job.runAsIs("validate", "jobs/two.yaml"))
                    .as(job.out + job.err)
                    .isZero();

            // llama3.2:3b on both servers: 600 × 100 ÷ 2,000 ÷ (4 + 2) = 5 s; qwen2.5:7b on one: ÷ 4 = 7.5 s.
            assertThat(job.out)
                    .contains("Estimate: about 13 s in all, one model after the other:\n"
                            + "  llama3.2:3b: about 5 s (600 requests × ~100 tokens at ~2,000 tokens/s measured on 3 "
                            + "samples, 6 slots)\n"
                            + "  qwen2.5:7b: about 8 s (600 requests × ~100 tokens at ~2,000 tokens/s measured on 3 "
                            + "samples, 4 slots)\n"
                            + RunEstimate.CAVEAT + "\n");
            assertThat(simulator.stats().generateRequests() + second.stats().generateRequests())
                    .isEqualTo(2 * RunEstimate.SAMPLES);
        }
    }

    @Test
    void autoConcurrencyCountsItsCeilingAndSaysSo() {
        job.numberedRecords("input/n.csv", 320);
        job.write(
                "jobs/e.yaml",
                "name: e\ninput: input/n.csv\nmodel: llama3.2:3b\nprompt: \"{{text}}\"\n"
                        + "concurrency: auto\noutput: output/e.jsonl\n");

        assertThat(job.runAsIs(
                        "validate",
                        "jobs/e.yaml",
                        "--base-url",
                        simulator.baseUrl().toString()))
                .as(job.out + job.err)
                .isZero();

        // 320 × 100 ÷ 2,000 ÷ 16 = 1 s.
        assertThat(job.out)
                .contains("Estimate: about 1 s (320 requests × ~100 tokens at ~2,000 tokens/s measured on 3 samples, "
                        + "16 slots at most: concurrency auto). ");
    }

    @Test
    void aServerWithoutDurationsIsMeasuredByTheLatencyOnTheTicker() throws InterruptedException {
        simulated.start(KNOWN_SPEED.withQuirks(ServerQuirks.none().withOpenAiTimings(false)));
        job.numberedRecords("input/n.csv", RunEstimate.SAMPLES);
        job.write("jobs/oa.yaml", """
                name: oa
                input: input/n.csv
                model: llama3.2:3b
                prompt: "Say {{text}}."
                server: {base-url: "%s", api: openai}
                concurrency: 2
                output: output/oa.jsonl
                """.formatted(simulator.baseUrl()));
        List<String> lines = estimateOnTwoOpenAiSlots(1200);

        // 3 × 100 tokens in 3 × 25 ms: 4,000 tokens/s; 1,200 × 100 ÷ 4,000 ÷ 2 = 15 s.
        assertThat(lines)
                .containsExactly("Estimate: about 15 s (1,200 requests × ~100 tokens at ~4,000 tokens/s measured on 3 "
                        + "samples, 2 slots). " + RunEstimate.CAVEAT);
        assertThat(simulator.stats().generateRequests()).isEqualTo(RunEstimate.SAMPLES);
    }

    @Test
    void noEstimateSendsNoRequest() {
        job.numberedRecords("input/n.csv", 10);
        job.write(
                "jobs/e.yaml",
                "name: e\ninput: input/n.csv\nmodel: llama3.2:3b\nprompt: \"{{text}}\"\n" + "output: output/e.jsonl\n");

        assertThat(job.runAsIs(
                        "validate",
                        "jobs/e.yaml",
                        "--base-url",
                        simulator.baseUrl().toString(),
                        "--no-estimate"))
                .as(job.out + job.err)
                .isZero();

        assertThat(job.out).doesNotContain("stimate").endsWith("Ready to run.\n");
        assertThat(simulator.stats().generateRequests()).isZero();
    }

    @Test
    void anUnreachableServerGivesNoEstimateAndValidatesUsualResult() {
        job.numberedRecords("input/n.csv", 10);
        job.write(
                "jobs/e.yaml",
                "name: e\ninput: input/n.csv\nmodel: llama3.2:3b\nprompt: \"{{text}}\"\n" + "output: output/e.jsonl\n");
        String away = simulator.baseUrl().toString();
        simulated.start(KNOWN_SPEED);

        assertThat(job.runAsIs("validate", "jobs/e.yaml", "--base-url", away)).isEqualTo(2);

        assertThat(job.out)
                .contains("Input input/n.csv: 10 records, 10 good, 0 bad")
                .endsWith("No estimate: the servers are not ready (see above), so no sample was sent.\n"
                        + "Not ready: see above.\n");
    }

    @Test
    void anEmbedJobIsEstimatedFromThreeBatchesSentAfterTheModelLoadedWithOneSlotPerOllamaServer() {
        job.numberedRecords("input/n.csv", 100);
        job.write(
                "jobs/e.yaml",
                "name: e\ninput: input/n.csv\nendpoint: embed\nmodel: all-minilm\nbatch-size: 10\n"
                        + "concurrency: 4\nprompt: \"{{text}}\"\noutput: output/e.jsonl\n");
        simulated.start(KNOWN_SPEED.withModels(List.of("all-minilm")));

        assertThat(job.runAsIs(
                        "validate",
                        "jobs/e.yaml",
                        "--base-url",
                        simulator.baseUrl().toString()))
                .as(job.out + job.err)
                .isZero();

        assertThat(job.out)
                .containsPattern("\nEstimate: about \\d+ s \\(100 records in batches of 10 at ~[\\d,]+ records/s "
                        + "measured on 3 requests, 1 slot: one on the Ollama server\\)\\. "
                        + "An estimate: an Ollama server embeds one request at a time per model, whatever its "
                        + "concurrency\\.\nReady to run\\.\n");
        // The model's load, then three requests of ten records: records 1 to 30.
        assertThat(simulator.stats().embedRequests()).isEqualTo(1 + RunEstimate.SAMPLES);
        assertThat(simulator.stats().embedInputs()).isEqualTo(30);
    }

    @Test
    void anEmbedJobsRecordsPerSecondAreTimedOnTheTickerAndAnOpenAiServerCountsItsConcurrency()
            throws InterruptedException {
        simulated.start(KNOWN_SPEED.withModels(List.of("all-minilm")));
        job.numberedRecords("input/n.csv", 60);
        job.write("jobs/oa.yaml", """
                name: oa
                input: input/n.csv
                endpoint: embed
                model: all-minilm
                batch-size: 20
                prompt: "{{text}}"
                server: {base-url: "%s", api: openai}
                concurrency: 2
                output: output/oa.jsonl
                """.formatted(simulator.baseUrl()));
        List<String> lines = estimateOnTwoOpenAiSlots(4800);

        // 3 requests × 20 records in 3 × 25 ms: 800 records/s; 4,800 ÷ 800 ÷ 2 slots = 3 s.
        assertThat(lines)
                .containsExactly("Estimate: about 3 s (4,800 records in batches of 20 at ~800 records/s measured on 3 "
                        + "requests, 2 slots). " + RunEstimate.EMBED_CAVEAT);
        assertThat(simulator.stats().embedRequests()).isEqualTo(RunEstimate.SAMPLES);
    }

    @Test
    void aDurationReadsAsSecondsMinutesOrHours() {
        assertThat(RunEstimate.about(Duration.ofMillis(7500))).isEqualTo("about 8 s");
        assertThat(RunEstimate.about(Duration.ofSeconds(90))).isEqualTo("about 2 min");
        assertThat(RunEstimate.about(Duration.ofMinutes(119))).isEqualTo("about 119 min");
        assertThat(RunEstimate.about(Duration.ofMinutes(185))).isEqualTo("about 3 h 5 min");
    }

    /**
     * The estimate of jobs/oa.yaml over {@code records} records on the simulator as an {@code api: openai} server
     * with 2 slots, each sample request taking 25 ms on the ticker.
     */
    private List<String> estimateOnTwoOpenAiSlots(long records) throws InterruptedException {
        JobSpec spec = new SpecLoader(dir).load(dir.resolve("jobs/oa.yaml"), Map.of(), Map.of());
        ServerTarget target = new ServerTarget(
                ServerAddress.resolve(simulator.baseUrl().toString(), null, Map.of()),
                2,
                false,
                ServerApi.OPENAI,
                null);
        Preflight.Result checked = Preflight.check(
                List.of(new Preflight.Target(target.display(), target.client(Duration.ofSeconds(30), 1))),
                spec.generation().models(),
                null,
                Preflight.needs(spec));
        List<InputRecord> samples = new ArrayList<>();
        for (int n = 1; n <= RunEstimate.sampleRecords(spec); n++) {
            samples.add(
                    new DataRecord(n, n + 1, JobFixture.JSON.createObjectNode().put("text", "record " + n)));
        }
        return new RunEstimate(spec, everyReadingLater(Duration.ofMillis(25)))
                .lines(samples, records, List.of(target), checked);
    }

    /** A clock whose every reading is {@code step} after the one before: each request takes {@code step}. */
    private static Ticker everyReadingLater(Duration step) {
        return new Ticker() {
            private long nanos;

            @Override
            public long nanoTime() {
                nanos += step.toNanos();
                return nanos;
            }

            @Override
            public void sleep(Duration duration) {
                throw new AssertionError("the estimate does not wait");
            }
        };
    }
}

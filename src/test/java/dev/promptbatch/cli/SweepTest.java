package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;

import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/** Model sweeps: the matrix, its order, the manifest, the summary, and reproducibility across concurrency. */
class SweepTest {
    private static final List<String> MODELS = List.of("llama3.2:3b", "qwen2.5:7b", "gemma3:4b");
    private static final int PROMPTS = 5;

    @RegisterExtension
    final SimulatorExtension simulated = SimulatorExtension.startedWith(SimulatorTestSettings.instant()
            .withModels(MODELS)
            .withParallel(8)
            .withLoadMillis(200)
            .withMaxLoadedModels(1)
            .withTokensPerSecond(4000)
            .withMedianTokens(20));

    @TempDir
    Path dir;

    private OllamaSimulator simulator;
    private JobFixture job;

    @BeforeEach
    void writePrompts() {
        StringBuilder prompts = new StringBuilder();
        IntStream.rangeClosed(1, PROMPTS)
                .forEach(n -> prompts.append("{\"id\":\"p")
                        .append(n)
                        .append("\",\"prompt\":\"question ")
                        .append(n)
                        .append("\"}\n"));
        job.write("input/prompts.jsonl", prompts.toString());
    }

    @Test
    void aSweepRunsModelMajorLoadsEachModelOnceAndRecordsWhatReproducesIt() {
        sweep("sweep", "output/sweep.jsonl", 4);

        assertThat(job.run("run", "jobs/sweep.yaml")).as(job.err).isZero();

        assertThat(simulator.stats().loads())
                .containsExactlyInAnyOrderEntriesOf(Map.of("llama3.2:3b", 1, "qwen2.5:7b", 1, "gemma3:4b", 1));
        List<JsonNode> output = job.jsonLines("output/sweep.jsonl");
        List<String> expected = new ArrayList<>();
        for (String model : MODELS) {
            for (int variant = 0; variant < 2; variant++) {
                for (int seed : new int[] {7, 8}) {
                    for (int n = 1; n <= PROMPTS; n++) {
                        expected.add(model + " v" + variant + " s" + seed + " p" + n);
                    }
                }
            }
        }
        assertThat(output)
                .extracting(
                        r -> r.get("model").asString() + " v" + r.get("variant").asInt() + " s"
                                + r.get("seed").asInt() + " " + r.get("id").asString())
                .isEqualTo(expected);
        assertThat(output).allSatisfy(r -> assertThat(r.has("repeat")).isFalse());

        JsonNode manifest = JobFixture.JSON.readTree(
                dir.resolve("output/sweep.manifest.json").toFile());
        assertThat(manifest.at("/promptbatch/version").asString()).isNotBlank();
        assertThat(manifest.at("/server/url").asString())
                .isEqualTo(simulator.baseUrl().toString());
        assertThat(manifest.at("/server/version").asString()).isEqualTo("0.33.0");
        assertThat(manifest.get("models"))
                .extracting(m -> m.get("name").asString())
                .containsExactlyElementsOf(MODELS);
        assertThat(manifest.get("models"))
                .allSatisfy(m -> assertThat(m.get("digest").asString()).matches("sha256:[0-9a-f]{64}"));
        assertThat(manifest.at("/spec/variants").toString())
                .isEqualTo("[{\"temperature\":0.0}," + "{\"temperature\":0.9,\"top_k\":20}]");
        assertThat(manifest.at("/options/1/options").toString())
                .isEqualTo("{\"num_predict\":64,\"num_ctx\":2048," + "\"temperature\":0.9,\"top_k\":20}");
        assertThat(manifest.at("/input/sha256").asString()).hasSize(64);
        assertThat(manifest.at("/input/size").asLong()).isPositive();
        assertThat(manifest.at("/host/cpus").asInt()).isPositive();
        assertThat(manifest.at("/host/jvm").asString()).contains(System.getProperty("java.version"));
        assertThat(manifest.get("simulated").asBoolean()).isFalse();
        assertThat(manifest.get("status").asString()).isEqualTo("COMPLETED");
        assertThat(manifest.get("started").asString()).isNotEqualTo("null");

        List<Map<String, String>> summary = job.csvRows("output/sweep.summary.csv");
        assertThat(summary).hasSize(6);
        for (Map<String, String> row : summary) {
            List<JsonNode> group = output.stream()
                    .filter(r -> r.get("model").asString().equals(row.get("model"))
                            && r.get("variant").asString().equals(row.get("variant")))
                    .toList();
            assertThat(group).hasSize(10);
            assertThat(row.get("answers")).isEqualTo("10");
            assertThat(row.get("failures")).isEqualTo("0");
            double[] speeds = group.stream()
                    .mapToDouble(r -> r.get("tokens_per_second").asDouble())
                    .sorted()
                    .toArray();
            assertThat(Double.parseDouble(row.get("tokens_per_second_median"))).isCloseTo(speeds[4], within(0.01));
            assertThat(Double.parseDouble(row.get("tokens_per_second_mean")))
                    .isCloseTo(Arrays.stream(speeds).average().orElseThrow(), within(0.01));
            double[] latencies = group.stream()
                    .mapToDouble(r -> r.get("latency_ms").asDouble())
                    .sorted()
                    .toArray();
            assertThat(Double.parseDouble(row.get("latency_p95_ms"))).isEqualTo(latencies[9]);
            double meanLength = group.stream()
                    .mapToDouble(r -> r.get("eval_count").asDouble())
                    .average()
                    .orElseThrow();
            assertThat(Double.parseDouble(row.get("output_tokens_mean"))).isCloseTo(meanLength, within(0.01));
        }
    }

    @Test
    void theSameSeededSweepGivesIdenticalAnswersAtConcurrencyOneAndEight() {
        sweep("narrow", "output/narrow.jsonl", 1);
        sweep("wide", "output/wide.jsonl", 8);
        assertThat(job.run("run", "jobs/narrow.yaml")).isZero();
        assertThat(job.run("run", "jobs/wide.yaml")).isZero();

        assertThat(job.runAsIs("diff", "output/narrow.jsonl", "output/wide.jsonl"))
                .isZero();
        assertThat(job.out).startsWith("identical: 60, different: 0, only in A: 0, only in B: 0");

        job.write(
                "jobs/other.yaml",
                job.lines("jobs/wide.yaml").stream()
                        .map(line ->
                                line.replace("seeds: [7, 8]", "seeds: [7, 9]").replace("wide", "other"))
                        .reduce("", (a, b) -> a + b + "\n"));
        assertThat(job.run("run", "jobs/other.yaml")).isZero();
        assertThat(job.runAsIs("diff", "output/narrow.jsonl", "output/other.jsonl"))
                .isEqualTo(1);
        assertThat(job.out).startsWith("identical: 30, different: 0, only in A: 30, only in B: 30");
        assertThat(job.runAsIs("diff", "output/narrow.jsonl", "output/missing.jsonl"))
                .isEqualTo(2);
    }

    @Test
    void variantsThatWouldReloadTheModelAreRefused() {
        job.write("jobs/bad.yaml", """
                name: bad
                input: input/prompts.jsonl
                model: llama3.2:3b
                prompt: "{{prompt}}"
                options: {num_ctx: 2048}
                variants: [{temperature: 0}, {num_ctx: 8192}]
                output: output/bad.jsonl
                """);
        assertThat(job.run("run", "jobs/bad.yaml")).isEqualTo(2);
        assertThat(job.err)
                .contains("key 'variants': expected the same num_ctx (the variants have 2048, 8192) in "
                        + "every variant: Ollama reloads the model when a load-time option changes");
    }

    private void sweep(String name, String output, int concurrency) {
        job.write("jobs/" + name + ".yaml", """
                name: %s
                input: input/prompts.jsonl
                id-field: id
                models: [llama3.2:3b, qwen2.5:7b, gemma3:4b]
                prompt: "{{prompt}}"
                options: {num_predict: 64, num_ctx: 2048}
                seeds: [7, 8]
                variants: [{temperature: 0.0}, {temperature: 0.9, top_k: 20}]
                output: %s
                concurrency: %d
                """.formatted(name, output, concurrency));
    }
}

package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/** Cached answers under a {@code format}: checked as received ones, re-asks included, over real HTTP. */
class CachedStructuredOutputTest {
    @RegisterExtension
    final SimulatorExtension simulated = SimulatorExtension.startedWith(
            SimulatorTestSettings.instant().withModels(List.of("llama3.2:3b")).withInvalidJsonRate(0.3));

    @TempDir
    Path dir;

    private OllamaSimulator simulator;
    private JobFixture job;

    @Test
    void aNewRunGetsEveryAnswerReAskAndInvalidOutputFromTheCacheWithoutARequest() {
        job.numberedRecords("input/r.csv", 60);
        job.write("jobs/facts.yaml", """
                name: facts
                endpoint: chat
                input: input/r.csv
                id-field: n
                model: llama3.2:3b
                prompt: "Facts about {{text}}"
                options: {seed: 100}
                format: {type: object, properties: {title: {type: string}}, required: [title]}
                schema-retries: 2
                concurrency: 4
                output: output/facts.jsonl
                cache: true
                """);
        assertThat(job.run("run", "jobs/facts.yaml")).as(job.err).isIn(0, 3);
        List<JsonNode> first = job.jsonLines("output/facts.jsonl");
        List<String> firstErrors = job.lines("output/facts.errors.jsonl");
        assertThat(first)
                .as("some answers needed a re-ask")
                .anySatisfy(r -> assertThat(r.get("reasks").asInt()).isPositive());
        assertThat(firstErrors)
                .as("some records broke the format at every seed")
                .isNotEmpty();
        long asked = simulator.stats().chatRequests();

        simulator.stats().reset();
        assertThat(job.run("run", "jobs/facts.yaml", "--new-run")).as(job.err).isIn(0, 3);
        assertThat(simulator.stats().chatRequests()).isZero();
        List<JsonNode> second = job.jsonLines("output/facts.jsonl");
        assertThat(second)
                .allSatisfy(r -> assertThat(r.get("cached").asBoolean()).isTrue());
        assertThat(withoutCached(second)).isEqualTo(withoutCached(first));
        assertThat(job.lines("output/facts.errors.jsonl")).isEqualTo(firstErrors);
        assertThat(asked).isGreaterThan(60);
    }

    private static List<String> withoutCached(List<JsonNode> records) {
        return records.stream()
                .map(r -> {
                    ObjectNode copy = ((ObjectNode) r).deepCopy();
                    copy.remove("cached");
                    return copy.toString();
                })
                .toList();
    }
}

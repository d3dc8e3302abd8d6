package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import dev.promptbatch.simulator.Endpoint;
import dev.promptbatch.simulator.Fault;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/**
 * Structured output over real HTTP: every answer checked, a bad one asked again with the next seed, and
 * {@code invalid-output} exactly when the simulator's answers for every seed tried were bad.
 */
class StructuredOutputTest {
    private static final String SCHEMA_YAML =
            "{type: object, properties: {title: {type: string}, price: {type: number},"
                    + " in_stock: {type: boolean}, tags: {type: array, items: {type: string}}},"
                    + " required: [title, price, in_stock], additionalProperties: false}";
    private static final String SCHEMA_JSON = "{\"type\":\"object\",\"properties\":{\"title\":{\"type\":\"string\"},"
            + "\"price\":{\"type\":\"number\"},\"in_stock\":{\"type\":\"boolean\"},"
            + "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}},"
            + "\"required\":[\"title\",\"price\",\"in_stock\"],\"additionalProperties\":false}";
    private static final int RECORDS = 200;
    private static final long SEED = 100;

    @RegisterExtension
    final SimulatorExtension simulated = SimulatorExtension.startedWith(SimulatorTestSettings.instant()
            .withModels(List.of("llama3.2:3b", "qwen2.5:7b"))
            .withInvalidJsonRate(0.2));

    @TempDir
    Path dir;

    private OllamaSimulator simulator;
    private JobFixture job;

    @Test
    void everyRecordIsAnsweredWithJsonThatMatchesOrIsInvalidOutputExactlyWhenEverySeedTriedGaveABadAnswer() {
        job.numberedRecords("input/products.csv", RECORDS);
        job.write("jobs/facts.yaml", """
                name: facts
                endpoint: chat
                input: input/products.csv
                model: llama3.2:3b
                messages:
                  - {role: system, content: "You extract product facts as JSON."}
                  - {role: user, content: "Facts about {{text}}"}
                options: {seed: %d}
                format: %s
                schema-retries: 2
                concurrency: 4
                output: output/facts.jsonl
                """.formatted(SEED, SCHEMA_YAML));

        assertThat(job.run("run", "jobs/facts.yaml")).as(job.err).isIn(0, 3);

        Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(JobFixture.JSON.readTree(SCHEMA_JSON));
        List<String> answered = new ArrayList<>();
        List<String> invalid = new ArrayList<>();
        Map<String, Long> firstValidSeed = new LinkedHashMap<>();
        long asks = 0;
        for (int n = 1; n <= RECORDS; n++) {
            Long valid = null;
            for (long seed = SEED; seed <= SEED + 2 && valid == null; seed++) {
                asks++;
                if (simulator.answerIsValid(Endpoint.CHAT, request("record " + n, seed))) {
                    valid = seed;
                }
            }
            (valid == null ? invalid : answered).add(String.valueOf(n));
            if (valid != null) {
                firstValidSeed.put(String.valueOf(n), valid);
            }
        }
        assertThat(invalid)
                .as("the simulator's answers leave some records invalid")
                .isNotEmpty();
        assertThat(firstValidSeed.values()).as("some records need a re-ask").contains(SEED + 1, SEED + 2);

        List<JsonNode> output = job.jsonLines("output/facts.jsonl");
        assertThat(output).extracting(r -> r.get("id").asString()).containsExactlyElementsOf(answered);
        for (JsonNode record : output) {
            String id = record.get("id").asString();
            long seed = firstValidSeed.get(id);
            assertThat(record.get("seed").asLong()).as(id).isEqualTo(seed);
            assertThat(record.get("attempts").asLong()).as(id).isEqualTo(seed - SEED + 1);
            assertThat(record.get("json"))
                    .as(id)
                    .isEqualTo(JobFixture.JSON.readTree(record.get("response").asString()));
            assertThat(schema.validate(record.get("json"))).as(id).isEmpty();
            assertThat(List.copyOf(record.propertyNames()).subList(5, 7)).containsExactly("response", "json");
        }
        List<JsonNode> errors = job.jsonLines("output/facts.errors.jsonl");
        assertThat(errors).extracting(r -> r.get("id").asString()).containsExactlyElementsOf(invalid);
        for (JsonNode error : errors) {
            assertThat(error.get("kind").asString()).isEqualTo("invalid-output");
            assertThat(error.get("seed").asLong()).isEqualTo(SEED);
            assertThat(error.get("attempts").asInt()).isEqualTo(3);
            assertThat(error.get("message").asString())
                    .matches(
                            "(not JSON: |the answer was cut short \\(done_reason: length\\)|does not match the schema: )"
                                    + "(?s).*\\(asked 3 times, seeds 100 to 102\\); the answer: .*");
        }
        assertThat(simulator.stats().chatRequests()).isEqualTo(asks);
    }

    @Test
    void inASweepOverSeedsAReAskedAnswerStaysInItsPassForDiffAndTheSummary() {
        job.numberedRecords("input/products.csv", 40);
        String spec = """
                name: facts-%s
                endpoint: chat
                input: input/products.csv
                model: llama3.2:3b
                messages:
                  - {role: user, content: "Facts about {{text}}"}
                seeds: [%d, %d]
                format: %s
                schema-retries: 2
                concurrency: %d
                output: output/%s.jsonl
                """;
        job.write("jobs/narrow.yaml", spec.formatted("narrow", SEED, SEED + 1, SCHEMA_YAML, 1, "narrow"));
        job.write("jobs/wide.yaml", spec.formatted("wide", SEED, SEED + 1, SCHEMA_YAML, 6, "wide"));

        assertThat(job.run("run", "jobs/narrow.yaml")).as(job.err).isIn(0, 3);
        assertThat(job.run("run", "jobs/wide.yaml")).as(job.err).isIn(0, 3);

        List<JsonNode> output = job.jsonLines("output/narrow.jsonl");
        // Pass 100's answers come first, then pass 101's; a re-asked answer of pass 100 may carry seed 101 or 102.
        List<Long> passSeeds = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (JsonNode record : output) {
            long passSeed = record.get("seed").asLong() - record.get("reasks").asLong();
            assertThat(passSeed).isIn(SEED, SEED + 1);
            passSeeds.add(passSeed);
            keys.add(passSeed + " " + record.get("id").asString());
        }
        assertThat(passSeeds).isSorted();
        assertThat(keys).doesNotHaveDuplicates();
        assertThat(output)
                .as("some answer of the first pass was asked again and carries the second pass's seed")
                .anyMatch(r ->
                        r.get("seed").asLong() == SEED + 1 && r.get("reasks").asLong() == 1);
        assertThat(job.runAsIs("diff", "output/narrow.jsonl", "output/wide.jsonl"))
                .as(job.out)
                .isEqualTo(ExitCode.OK);
        assertThat(job.out).startsWith("identical: " + output.size() + ", different: 0, only in A: 0, only in B: 0");
    }

    @Test
    void aReAskIsNotARetryItHasItsOwnAttemptsAndAttemptsCountsEveryRequest() {
        // Every ask fails once with a server error before its answer: with max-attempts 2, each ask needs both.
        Set<String> failedOnce = ConcurrentHashMap.newKeySet();
        simulator
                .faults()
                .failWhen(r -> failedOnce.add(r.prompt() + " " + r.options().get("seed")), Fault.INTERNAL_ERROR);
        job.numberedRecords("input/products.csv", 40);
        job.write("jobs/facts.yaml", """
                name: facts
                endpoint: chat
                input: input/products.csv
                model: llama3.2:3b
                messages:
                  - {role: system, content: "You extract product facts as JSON."}
                  - {role: user, content: "Facts about {{text}}"}
                options: {seed: %d}
                format: %s
                retry: {max-attempts: 2, initial-backoff: 1ms, max-backoff: 2ms}
                output: output/facts.jsonl
                """.formatted(SEED, SCHEMA_YAML));

        assertThat(job.run("run", "jobs/facts.yaml")).as(job.err).isIn(0, 3);

        Map<String, String> expected = new LinkedHashMap<>();
        for (int n = 1; n <= 40; n++) {
            String outcome = "invalid-output " + SEED + " 6";
            for (long seed = SEED; seed <= SEED + 2; seed++) {
                if (simulator.answerIsValid(Endpoint.CHAT, request("record " + n, seed))) {
                    outcome = "answered " + seed + " " + 2 * (seed - SEED + 1);
                    break;
                }
            }
            expected.put(String.valueOf(n), outcome);
        }
        assertThat(expected.values()).anyMatch(o -> o.startsWith("answered " + (SEED + 1)));
        Map<String, String> actual = new LinkedHashMap<>();
        for (JsonNode r : job.jsonLines("output/facts.jsonl")) {
            actual.put(
                    r.get("id").asString(),
                    "answered " + r.get("seed").asLong() + " "
                            + r.get("attempts").asInt());
        }
        if (expected.values().stream().anyMatch(o -> o.startsWith("invalid"))) {
            for (JsonNode r : job.jsonLines("output/facts.errors.jsonl")) {
                actual.put(
                        r.get("id").asString(),
                        r.get("kind").asString() + " " + r.get("seed").asLong() + " "
                                + r.get("attempts").asInt());
            }
        }
        assertThat(actual).containsExactlyInAnyOrderEntriesOf(expected);
    }

    @Test
    void withFormatJsonAnAnswerOnlyHasToParseAndWithoutRetriesABadOneFailsAtOnce() {
        job.numberedRecords("input/items.csv", 60);
        job.write("jobs/json.yaml", """
                name: json
                input: input/items.csv
                model: qwen2.5:7b
                prompt: "Answer in JSON about {{text}}"
                format: json
                schema-retries: 0
                output: output/json.jsonl
                """);

        assertThat(job.run("run", "jobs/json.yaml")).as(job.err).isIn(0, 3);

        List<String> answered = new ArrayList<>();
        List<String> invalid = new ArrayList<>();
        for (int n = 1; n <= 60; n++) {
            ObjectNode body = JobFixture.JSON.createObjectNode();
            body.put("model", "qwen2.5:7b");
            body.put("prompt", "Answer in JSON about record " + n);
            body.put("format", "json");
            (simulator.answerIsValid(Endpoint.GENERATE, body) ? answered : invalid).add(String.valueOf(n));
        }
        assertThat(invalid).isNotEmpty();
        List<JsonNode> output = job.jsonLines("output/json.jsonl");
        assertThat(output).extracting(r -> r.get("id").asString()).containsExactlyElementsOf(answered);
        assertThat(output).allSatisfy(r -> {
            assertThat(r.get("seed").isNull()).isTrue();
            assertThat(r.get("json"))
                    .isEqualTo(JobFixture.JSON.readTree(r.get("response").asString()));
        });
        assertThat(job.jsonLines("output/json.errors.jsonl"))
                .extracting(r -> r.get("id").asString() + " " + r.get("kind").asString() + " "
                        + r.get("attempts").asInt())
                .containsExactlyElementsOf(
                        invalid.stream().map(id -> id + " invalid-output 1").toList());
        assertThat(simulator.stats().generateRequests()).isEqualTo(60 + 1);
    }

    @Test
    void aCsvOutputHasOneColumnPerTopLevelPropertyWithNestedValuesAsJsonText() {
        job.numberedRecords("input/items.csv", 30);
        job.write("jobs/csv.yaml", """
                name: csv
                input: input/items.csv
                model: qwen2.5:7b
                prompt: "Facts about {{text}}"
                options: {seed: 5}
                format: %s
                schema-retries: 10
                output: output/facts.csv
                """.formatted(SCHEMA_YAML));

        assertThat(job.run("run", "jobs/csv.yaml")).as(job.err).isZero();

        assertThat(job.lines("output/facts.csv").get(0))
                .startsWith("id,line,model,server,seed,response,json.title,json.price,json.in_stock,json.tags,"
                        + "thinking,");
        List<Map<String, String>> rows = job.csvRows("output/facts.csv");
        assertThat(rows).hasSize(30);
        for (Map<String, String> row : rows) {
            JsonNode json = JobFixture.JSON.readTree(row.get("response"));
            assertThat(row.get("json.title")).isEqualTo(json.get("title").asString());
            assertThat(row.get("json.price")).isEqualTo(json.get("price").asString());
            assertThat(row.get("json.in_stock")).isEqualTo(json.get("in_stock").asString());
            assertThat(row.get("json.tags"))
                    .isEqualTo(json.has("tags") ? json.get("tags").toString() : "");
        }
        assertThat(rows).anySatisfy(row -> assertThat(row.get("json.tags")).startsWith("["));
    }

    private static JsonNode request(String text, long seed) {
        ObjectNode body = JobFixture.JSON.createObjectNode();
        body.put("model", "llama3.2:3b");
        body.set(
                "messages",
                JobFixture.JSON.valueToTree(List.of(
                        ChatJobTest.message("system", "You extract product facts as JSON."),
                        ChatJobTest.message("user", "Facts about " + text))));
        body.put("stream", false);
        body.set("options", JobFixture.JSON.createObjectNode().put("seed", seed));
        body.set("format", JobFixture.JSON.readTree(SCHEMA_JSON));
        return body;
    }
}

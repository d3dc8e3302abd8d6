package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import dev.promptbatch.simulator.Fault;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.ServerQuirks;
import dev.promptbatch.simulator.SimulatorSettings;
import dev.promptbatch.simulator.SimulatorTestSettings;
import dev.promptbatch.structured.AnswerCheck;

/**
 * Jobs on an {@code api: openai} server over real HTTP: the simulator's {@code /v1} routes behind an API key, with
 * and without llama.cpp's {@code timings}. Every expected answer is the one the server gives to exactly the request
 * the contract says is sent.
 */
class OpenAiServerTest {
    private static final String KEY = "sk-test-0f9e8d7c6b5a-never-shown";
    private static final String KEY_VARIABLE = "PB_TEST_OPENAI_KEY";
    private static final String MODEL = "llama3.2:3b";
    private static final String EMBEDDER = "all-minilm";
    private static final String VISION = "llava:7b";

    @RegisterExtension
    final SimulatorExtension simulated = SimulatorExtension.startedByEachTest();

    @TempDir
    Path dir;

    private OllamaSimulator simulator;
    private JobFixture job;

    private void start(boolean timings) {
        start(settings().withQuirks(ServerQuirks.none().withOpenAiTimings(timings)));
    }

    private void start(SimulatorSettings settings) {
        simulated.start(settings);
        job.variables = Map.of(KEY_VARIABLE, KEY);
    }

    private static SimulatorSettings settings() {
        return SimulatorTestSettings.instant()
                .withModels(List.of(MODEL, EMBEDDER))
                .withApiKey(KEY);
    }

    private static String generateJob(String extra) {
        return """
                name: oa
                input: input/items.csv
                model: %s
                prompt: "Describe a {{text}}."
                options: {seed: 7, temperature: 0.2, top_p: 0.9, num_predict: 60, stop: ["\\n\\n"]}
                output: output/oa.jsonl
                server: {api: openai, api-key-env: %s}
                %s""".formatted(MODEL, KEY_VARIABLE, extra);
    }

    @Test
    void aGenerateJobGoesToV1CompletionsWithTheMappedOptionsAndTakesTheDurationsFromTheTimings() {
        start(true);
        job.write("input/items.csv", "text\nmug\nkettle\nlamp\n");
        job.write("jobs/oa.yaml", generateJob(""));

        assertThat(job.run("run", "jobs/oa.yaml")).as(job.err).isZero();

        List<JsonNode> output = job.jsonLines("output/oa.jsonl");
        assertThat(output).extracting(r -> r.get("id").asString()).containsExactly("1", "2", "3");
        List<String> things = List.of("mug", "kettle", "lamp");
        for (int i = 0; i < output.size(); i++) {
            JsonNode record = output.get(i);
            ObjectNode body = JobFixture.JSON.createObjectNode();
            body.put("model", MODEL);
            body.put("prompt", "Describe a " + things.get(i) + ".");
            body.put("stream", false);
            body.put("seed", 7);
            body.put("temperature", 0.2);
            body.put("top_p", 0.9);
            body.put("max_tokens", 60);
            body.putArray("stop").add("\n\n");
            JsonNode expected = post("/v1/completions", body);
            JsonNode timings = expected.get("timings");
            long promptNanos = Math.round(timings.get("prompt_ms").asDouble() * 1e6);
            long evalNanos = Math.round(timings.get("predicted_ms").asDouble() * 1e6);
            assertThat(record.get("response").asString())
                    .isEqualTo(expected.at("/choices/0/text").asString())
                    .isNotEmpty();
            assertThat(record.get("done_reason").asString())
                    .isEqualTo(expected.at("/choices/0/finish_reason").asString());
            assertThat(record.get("prompt_eval_count").asLong())
                    .isEqualTo(expected.at("/usage/prompt_tokens").asLong());
            assertThat(record.get("eval_count").asLong())
                    .isEqualTo(expected.at("/usage/completion_tokens").asLong())
                    .isEqualTo(timings.get("predicted_n").asLong());
            assertThat(record.get("prompt_eval_duration").asLong()).isEqualTo(promptNanos);
            assertThat(record.get("eval_duration").asLong())
                    .isEqualTo(evalNanos)
                    .isPositive();
            assertThat(record.get("total_duration").asLong()).isEqualTo(promptNanos + evalNanos);
            assertThat(absent(record, "load_duration")).isTrue();
            assertThat(record.get("tokens_per_second_source").asString()).isEqualTo("server");
            assertThat(record.get("tokens_per_second").asDouble())
                    .isEqualTo(Math.round(record.get("eval_count").asLong() * 1e9 / evalNanos * 100) / 100.0);
            assertThat(record.get("server").asString()).isEqualTo(job.server.toString());
        }
        JsonNode manifest = JobFixture.JSON.readTree(read("output/oa.manifest.json"));
        assertThat(manifest.at("/servers/0/api").asString()).isEqualTo("openai");
        assertThat(manifest.at("/servers/0/durations").asString()).isEqualTo("server");
        assertThat(manifest.at("/servers/0/version").asString()).isEqualTo("unknown");
        assertThat(manifest.at("/spec/api").toString()).isEqualTo("[\"openai\"]");
        // Three answers for the job and three for this test; no load request: the server loads on its own.
        assertThat(simulator.stats().generateRequests()).isEqualTo(6);
    }

    @Test
    void aChatJobGoesToV1ChatCompletionsAndWithoutTimingsHasNoDurationsAndTheClientsTokensPerSecond() {
        // Answers that take some milliseconds: an instant one has no latency to take a speed from.
        start(settings()
                .withTokensPerSecond(2_000)
                .withQuirks(ServerQuirks.none().withOpenAiTimings(false)));
        job.write("input/items.csv", "text\nmug\nkettle\n");
        job.write("jobs/chat.yaml", """
                name: chat
                endpoint: chat
                input: input/items.csv
                model: %s
                messages:
                  - {role: system, content: "You name things."}
                  - {role: user, content: "{{text}}"}
                options: {seed: 11, temperature: 0.5, presence_penalty: 0.5, frequency_penalty: 0.25}
                keep-alive: 5m
                output: output/chat.jsonl
                report: output/chat.html
                servers:
                  - {url: "%s", api: openai, api-key-env: %s}
                """.formatted(MODEL, job.server, KEY_VARIABLE));

        assertThat(job.runAsIs(
                        "run", "jobs/chat.yaml", "--db", dir.resolve("state/db").toString()))
                .as(job.err)
                .isZero();

        List<JsonNode> output = job.jsonLines("output/chat.jsonl");
        assertThat(output).hasSize(2);
        List<String> things = List.of("mug", "kettle");
        for (int i = 0; i < output.size(); i++) {
            JsonNode record = output.get(i);
            ObjectNode body = JobFixture.JSON.createObjectNode();
            body.put("model", MODEL);
            body.set(
                    "messages",
                    JobFixture.JSON.valueToTree(List.of(
                            ChatJobTest.message("system", "You name things."),
                            ChatJobTest.message("user", things.get(i)))));
            body.put("stream", false);
            body.put("seed", 11);
            body.put("temperature", 0.5);
            body.put("presence_penalty", 0.5);
            body.put("frequency_penalty", 0.25);
            JsonNode expected = post("/v1/chat/completions", body);
            assertThat(expected.has("timings")).isFalse();
            assertThat(record.get("response").asString())
                    .isEqualTo(expected.at("/choices/0/message/content").asString())
                    .isNotEmpty();
            assertThat(record.get("done_reason").asString())
                    .isEqualTo(expected.at("/choices/0/finish_reason").asString());
            assertThat(record.get("prompt_eval_count").asLong())
                    .isEqualTo(expected.at("/usage/prompt_tokens").asLong());
            assertThat(record.get("eval_count").asLong())
                    .isEqualTo(expected.at("/usage/completion_tokens").asLong());
            for (String duration :
                    List.of("total_duration", "load_duration", "prompt_eval_duration", "eval_duration")) {
                assertThat(absent(record, duration)).as(duration).isTrue();
            }
            assertThat(record.get("tokens_per_second_source").asString()).isEqualTo("client");
        }
        JsonNode manifest = JobFixture.JSON.readTree(read("output/chat.manifest.json"));
        assertThat(manifest.at("/servers/0/api").asString()).isEqualTo("openai");
        assertThat(manifest.at("/servers/0/durations").asString()).isEqualTo("none");
        assertThat(job.out).contains("tokens/s of 2 answers from the latency measured here");
        assertThat(read("output/chat.html"))
                .contains("OpenAI-compatible API (no durations: tokens/s from the latency measured here)");
        assertThat(simulator.stats().chatRequests()).isEqualTo(4);
    }

    @Test
    void aChatJobsImagesGoAsDataUriContentParts() throws IOException {
        start(settings().withModels(List.of(VISION)));
        byte[] png = new byte[200];
        byte[] signature = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        for (int i = 0; i < png.length; i++) {
            png[i] = i < signature.length ? signature[i] : (byte) (i * 31);
        }
        Files.createDirectories(dir.resolve("photos"));
        Files.write(dir.resolve("photos/mug.png"), png);
        job.write("input/items.csv", "text,photo\nmug,photos/mug.png\n");
        job.write("jobs/look.yaml", """
                name: look
                endpoint: chat
                input: input/items.csv
                model: %s
                prompt: "What is this {{text}} like?"
                images: [photo]
                options: {seed: 3, temperature: 0.1}
                output: output/look.jsonl
                server: {api: openai, api-key-env: %s}
                """.formatted(VISION, KEY_VARIABLE));

        assertThat(job.run("run", "jobs/look.yaml")).as(job.err).isZero();

        ObjectNode body = JobFixture.JSON.createObjectNode();
        body.put("model", VISION);
        ObjectNode message = body.putArray("messages").addObject().put("role", "user");
        message.putArray("content")
                .add(JobFixture.JSON.createObjectNode().put("type", "text").put("text", "What is this mug like?"))
                .add(JobFixture.JSON
                        .createObjectNode()
                        .put("type", "image_url")
                        .set(
                                "image_url",
                                JobFixture.JSON
                                        .createObjectNode()
                                        .put(
                                                "url",
                                                "data:image/png;base64,"
                                                        + java.util.Base64.getEncoder()
                                                                .encodeToString(png))));
        body.put("stream", false);
        body.put("seed", 3);
        body.put("temperature", 0.1);
        JsonNode expected = post("/v1/chat/completions", body);
        assertThat(job.jsonLines("output/look.jsonl"))
                .singleElement()
                .satisfies(record -> assertThat(record.get("response").asString())
                        .isEqualTo(expected.at("/choices/0/message/content").asString())
                        .isNotEmpty());
    }

    @Test
    void anEmbedJobSendsEachBatchAsOneInputListToV1Embeddings() {
        start(false);
        job.write("input/items.csv", "text\nmug\nkettle\nlamp\n");
        job.write("jobs/embed.yaml", """
                name: vectors
                endpoint: embed
                input: input/items.csv
                model: %s
                prompt: "{{text}}"
                batch-size: 2
                dimensions: 8
                output: output/vectors.jsonl
                server: {api: openai, api-key-env: %s}
                """.formatted(EMBEDDER, KEY_VARIABLE));

        assertThat(job.run("run", "jobs/embed.yaml")).as(job.err).isZero();

        List<JsonNode> output = job.jsonLines("output/vectors.jsonl");
        assertThat(output).extracting(r -> r.get("id").asString()).containsExactly("1", "2", "3");
        List<List<String>> batches = List.of(List.of("mug", "kettle"), List.of("lamp"));
        int n = 0;
        for (List<String> batch : batches) {
            ObjectNode body = JobFixture.JSON.createObjectNode();
            body.put("model", EMBEDDER);
            body.set("input", JobFixture.JSON.valueToTree(batch));
            body.put("dimensions", 8);
            JsonNode expected = post("/v1/embeddings", body);
            for (int k = 0; k < batch.size(); k++, n++) {
                JsonNode record = output.get(n);
                assertThat(record.get("embedding")).isEqualTo(expected.at("/data/" + k + "/embedding"));
                assertThat(record.get("dimensions").asInt()).isEqualTo(8);
                assertThat(record.get("batch_size").asInt()).isEqualTo(batch.size());
                assertThat(record.get("prompt_eval_count").asLong())
                        .isEqualTo(expected.at("/usage/prompt_tokens").asLong());
                assertThat(absent(record, "total_duration")).isTrue();
            }
        }
        assertThat(simulator.stats().embedRequests()).isEqualTo(4);
        assertThat(simulator.stats().embedInputs()).isEqualTo(6);
    }

    @Test
    void aWrongKeyIsRefusedBeforeAnyRecordIsSentNamingTheServerAndNotShowingTheKey() {
        start(false);
        job.write("input/items.csv", "text\nmug\n");
        job.write("jobs/oa.yaml", generateJob(""));
        String wrong = "sk-wrong-5a4b3c2d1e";
        job.variables = Map.of(KEY_VARIABLE, wrong);

        assertThat(job.run("run", "jobs/oa.yaml")).isEqualTo(2);

        assertThat(job.err)
                .contains("the server at " + job.server + " refuses the credentials (HTTP 401: Invalid API Key)")
                .contains("Check the variable that api-key-env names")
                .doesNotContain(wrong)
                .doesNotContain(KEY);
        assertThat(job.out).doesNotContain(wrong);
        assertThat(simulator.stats().generateRequests()).isZero();
        assertThat(dir.resolve("output/oa.jsonl")).doesNotExist();
    }

    @Test
    void credentialsRefusedMidRunStopTheRunWithExit2WithoutFailingRecordsAndTheSameCommandResumes() {
        start(false);
        simulator.faults().failWhen(request -> request.prompt().equals("Describe a kettle."), Fault.UNAUTHORIZED);
        job.write("input/items.csv", "text\nmug\nkettle\nlamp\nvase\n");
        job.write("jobs/oa.yaml", generateJob("concurrency: 1\n"));

        assertThat(job.run("run", "jobs/oa.yaml")).isEqualTo(2);

        assertThat(job.err)
                .contains("the server at " + job.server + " refuses the credentials (HTTP 401: unauthorized): every "
                        + "request would be refused, so the run stops. Nothing answered is lost: fix the credentials "
                        + "and run the same command again to resume.")
                .doesNotContain(KEY);
        // Not retried, and no record failed for it: the run stopped at the first refusal.
        assertThat(simulator.stats().requestsForPrompt("Describe a kettle.")).isEqualTo(1);
        assertThat(dir.resolve("output/oa.errors.jsonl"))
                .satisfiesAnyOf(
                        errors -> assertThat(errors).doesNotExist(),
                        errors -> assertThat(errors).isEmptyFile());

        simulator.faults().clear();
        assertThat(job.run("run", "jobs/oa.yaml")).as(job.err).isZero();
        assertThat(job.jsonLines("output/oa.jsonl"))
                .extracting(r -> r.get("id").asString())
                .containsExactly("1", "2", "3", "4");
    }

    @Test
    void anUnsetKeyVariableIsASpecErrorNamingIt() {
        start(false);
        job.write("input/items.csv", "text\nmug\n");
        job.write("jobs/oa.yaml", generateJob(""));
        job.variables = Map.of();

        assertThat(job.run("run", "jobs/oa.yaml")).isEqualTo(2);

        assertThat(job.err)
                .isEqualTo("promptbatch: " + dir.resolve("jobs/oa.yaml") + ": server.api-key-env: the environment "
                        + "variable " + KEY_VARIABLE + " is not set or empty; set it to the server's API key\n");
        assertThat(simulator.stats().generateRequests()).isZero();
    }

    @Test
    void theKeyIsInNoFileNoLogAndNoOutputOfARun() throws IOException {
        start(true);
        simulator.faults().failWhen(request -> request.prompt().equals("Describe a lamp."), Fault.PROMPT_TOO_LONG);
        job.write("input/items.csv", "text\nmug\nkettle\nlamp\n");
        job.write("jobs/oa.yaml", generateJob("report: output/oa.html\n"));

        String logs;
        try (LogCapture log = new LogCapture()) {
            assertThat(job.run("run", "jobs/oa.yaml")).as(job.err).isEqualTo(3);
            assertThat(job.run("validate", "jobs/oa.yaml", "--base-url", job.server.toString()))
                    .as(job.err)
                    .isZero();
            logs = log.text();
        }

        assertThat(logs + job.out + job.err).doesNotContain(KEY).contains(job.server.toString());
        List<Path> files;
        try (Stream<Path> all = Files.walk(dir)) {
            files = all.filter(Files::isRegularFile).toList();
        }
        assertThat(files)
                .extracting(file -> dir.relativize(file).toString())
                .contains(
                        "output/oa.jsonl",
                        "output/oa.errors.jsonl",
                        "output/oa.manifest.json",
                        "output/oa.summary.csv",
                        "output/oa.html");
        assertThat(files.stream().map(dir::relativize).map(Path::toString).filter(f -> f.startsWith("state/")))
                .isNotEmpty();
        for (Path file : files) {
            assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1))
                    .as(dir.relativize(file).toString())
                    .doesNotContain(KEY);
        }
    }

    @Test
    void theKeyIsNoPartOfTheRunsIdentityButTheApiIs() {
        start(false);
        job.write("input/items.csv", "text\nmug\n");
        job.write("jobs/oa.yaml", generateJob(""));
        assertThat(job.run("run", "jobs/oa.yaml")).as(job.err).isZero();

        job.variables = Map.of("PB_OTHER_KEY", KEY);
        job.write("jobs/oa.yaml", generateJob("").replace("api-key-env: " + KEY_VARIABLE, "api-key-env: PB_OTHER_KEY"));
        assertThat(job.run("run", "jobs/oa.yaml")).as(job.err).isZero();
        assertThat(job.out).contains("already completed").doesNotContain("changed");

        job.write(
                "jobs/oa.yaml",
                generateJob("").replace("{api: openai, api-key-env: " + KEY_VARIABLE + "}", "{api: ollama}"));
        assertThat(job.run("run", "jobs/oa.yaml")).as(job.err).isZero();
        assertThat(job.out)
                .contains("already completed")
                .contains("since it ran, " + dir.resolve("jobs/oa.yaml") + " changed in what shapes the answers");
    }

    @Test
    void anOptionWithoutAnOpenAiEquivalentIsASpecErrorNamingItAndTheServer() {
        start(false);
        job.write("input/items.csv", "text\nmug\n");
        job.write("jobs/oa.yaml", generateJob("variants: [{top_k: 40}]\nthink: false\n"));

        assertThat(job.run("run", "jobs/oa.yaml")).isEqualTo(2);
        assertThat(job.err)
                .isEqualTo("promptbatch: " + dir.resolve("jobs/oa.yaml") + ": for the server at " + job.server
                        + " (api: openai): variants[0].top_k: no OpenAI equivalent (these servers take "
                        + "frequency_penalty, num_predict, presence_penalty, seed, stop, temperature, top_p); think: no "
                        + "OpenAI equivalent. Remove them, or send the job to an Ollama server.\n");

        assertThat(job.run("validate", "jobs/oa.yaml", "--base-url", job.server.toString()))
                .isEqualTo(2);
        assertThat(job.err).contains("variants[0].top_k: no OpenAI equivalent");
        assertThat(simulator.stats().generateRequests()).isZero();
    }

    @Test
    void aGenerateJobsSystemPromptHasNoPlaceInV1Completions() {
        start(false);
        job.write("input/items.csv", "text\nmug\n");
        job.write("jobs/oa.yaml", generateJob("system: You describe things.\n"));

        assertThat(job.run("run", "jobs/oa.yaml")).isEqualTo(2);
        assertThat(job.err)
                .isEqualTo("promptbatch: " + dir.resolve("jobs/oa.yaml") + ": for the server at " + job.server
                        + " (api: openai): system: /v1/completions takes one prompt and no system prompt; use "
                        + "endpoint: chat. Remove it, or send the job to an Ollama server.\n");
    }

    @Test
    void aJsonSchemaGoesAsResponseFormatAndAnInvalidAnswerIsAskedAgainWithTheNextSeed() {
        start(settings().withInvalidJsonRate(0.3));
        int records = 30;
        job.numberedRecords("input/items.csv", records);
        String schema = "{\"type\":\"object\",\"properties\":{\"title\":{\"type\":\"string\"},"
                + "\"price\":{\"type\":\"number\"}},\"required\":[\"title\",\"price\"],\"additionalProperties\":false}";
        job.write("jobs/facts.yaml", """
                name: facts
                endpoint: chat
                input: input/items.csv
                model: %s
                prompt: "Facts about {{text}}"
                options: {seed: 100, temperature: 0.7, top_p: 1.0}
                format: %s
                schema-retries: 2
                output: output/facts.jsonl
                server: {api: openai, api-key-env: %s}
                """.formatted(MODEL, schema, KEY_VARIABLE));

        assertThat(job.run("run", "jobs/facts.yaml")).as(job.err).isIn(0, 3);

        AnswerCheck check = AnswerCheck.of(JobFixture.JSON.readValue(schema, Map.class));
        Map<String, Long> validSeed = new LinkedHashMap<>();
        List<String> invalid = new ArrayList<>();
        for (int n = 1; n <= records; n++) {
            Long valid = null;
            for (long seed = 100; seed <= 102 && valid == null; seed++) {
                ObjectNode body = JobFixture.JSON.createObjectNode();
                body.put("model", MODEL);
                body.set(
                        "messages",
                        JobFixture.JSON.valueToTree(List.of(ChatJobTest.message("user", "Facts about record " + n))));
                body.put("stream", false);
                body.put("seed", seed);
                body.put("temperature", 0.7);
                body.put("top_p", 1.0);
                ObjectNode format = body.putObject("response_format").put("type", "json_schema");
                format.putObject("json_schema")
                        .put("name", "output")
                        .put("strict", true)
                        .set("schema", JobFixture.JSON.readTree(schema));
                JsonNode answer = post("/v1/chat/completions", body);
                if (check.check(
                                answer.at("/choices/0/message/content").asString(),
                                answer.at("/choices/0/finish_reason").asString())
                        instanceof AnswerCheck.Valid) {
                    valid = seed;
                }
            }
            if (valid == null) {
                invalid.add(String.valueOf(n));
            } else {
                validSeed.put(String.valueOf(n), valid);
            }
        }
        assertThat(validSeed.values()).as("some records need a re-ask").contains(101L);

        List<JsonNode> output = job.jsonLines("output/facts.jsonl");
        assertThat(output).extracting(r -> r.get("id").asString()).containsExactlyElementsOf(validSeed.keySet());
        for (JsonNode record : output) {
            long seed = validSeed.get(record.get("id").asString());
            assertThat(record.get("seed").asLong()).isEqualTo(seed);
            assertThat(record.get("reasks").asLong()).isEqualTo(seed - 100);
            assertThat(record.get("json"))
                    .isEqualTo(JobFixture.JSON.readTree(record.get("response").asString()));
        }
        if (!invalid.isEmpty()) {
            assertThat(job.jsonLines("output/facts.errors.jsonl"))
                    .extracting(r -> r.get("id").asString())
                    .containsExactlyElementsOf(invalid);
        }
    }

    @Test
    void aServerStillLoadingItsModelAnswers503LoadingModelAndTheRunWaitsItOut() {
        start(settings().withLoadMillis(300).withQuirks(ServerQuirks.none().withUnavailableWhileLoading(true)));
        job.write("input/items.csv", "text\nmug\nkettle\n");
        job.write("jobs/oa.yaml", generateJob("retry: {initial-backoff: 20ms, max-backoff: 100ms}\n"));

        assertThat(job.run("run", "jobs/oa.yaml")).as(job.err).isZero();

        List<JsonNode> output = job.jsonLines("output/oa.jsonl");
        assertThat(output).extracting(r -> r.get("id").asString()).containsExactly("1", "2");
        assertThat(output).extracting(r -> r.get("attempts").asInt()).containsOnly(1);
        assertThat(simulator.stats().loads()).containsEntry(MODEL, 1);
    }

    @Test
    void anOllamaAndAnOpenAiServerShareOneRunEachSpokenToInItsOwnApi() throws IOException {
        start(false);
        try (OllamaSimulator ollama =
                OllamaSimulator.start(SimulatorTestSettings.instant().withModels(List.of(MODEL)))) {
            job.numberedRecords("input/items.csv", 12);
            job.write("jobs/mixed.yaml", """
                    name: mixed
                    input: input/items.csv
                    model: %s
                    prompt: "Describe {{text}}."
                    options: {seed: 5, temperature: 0.3, top_p: 0.8}
                    output: output/mixed.jsonl
                    servers:
                      - {url: "%s", concurrency: 2}
                      - {url: "%s", api: openai, api-key-env: %s, concurrency: 2}
                    """.formatted(MODEL, ollama.baseUrl(), job.server, KEY_VARIABLE));

            assertThat(job.runAsIs(
                            "run",
                            "jobs/mixed.yaml",
                            "--db",
                            dir.resolve("state/db").toString()))
                    .as(job.err)
                    .isZero();

            List<JsonNode> output = job.jsonLines("output/mixed.jsonl");
            assertThat(output).hasSize(12);
            for (JsonNode record : output) {
                String prompt = "Describe record " + record.get("id").asString() + ".";
                String expected;
                if (record.get("server").asString().equals(job.server.toString())) {
                    ObjectNode body = JobFixture.JSON.createObjectNode();
                    body.put("model", MODEL);
                    body.put("prompt", prompt);
                    body.put("stream", false);
                    body.put("seed", 5);
                    body.put("temperature", 0.3);
                    body.put("top_p", 0.8);
                    expected =
                            post("/v1/completions", body).at("/choices/0/text").asString();
                } else {
                    assertThat(record.get("server").asString())
                            .isEqualTo(ollama.baseUrl().toString());
                    expected = new JobFixture(dir, ollama.baseUrl())
                            .expectedResponse(MODEL, null, prompt, Map.of("seed", 5, "temperature", 0.3, "top_p", 0.8));
                }
                assertThat(record.get("response").asString()).isEqualTo(expected);
            }
            JsonNode manifest = JobFixture.JSON.readTree(read("output/mixed.manifest.json"));
            assertThat(manifest.get("servers"))
                    .extracting(s -> s.get("api").asString())
                    .containsExactly("ollama", "openai");
            assertThat(manifest.at("/spec/api").toString()).isEqualTo("[\"ollama\",\"openai\"]");
            assertThat(ollama.stats().generateRequests()).isPositive();
        }
    }

    @Test
    void theOpenAiServerExampleRunsOnTheSimulatorAsLlamaServerWithTimings() throws IOException {
        for (String folder : List.of("jobs", "input")) {
            Files.createDirectories(dir.resolve(folder));
            try (Stream<Path> files = Files.list(Path.of(folder))) {
                for (Path file : files.toList()) {
                    Files.copy(file, dir.resolve(folder).resolve(file.getFileName()));
                }
            }
        }
        JobFixture example = new JobFixture(dir, null);

        assertThat(example.runAsIs("validate", "jobs/openai-server.yaml", "--simulator"))
                .as(example.out)
                .isZero();
        assertThat(example.out).containsPattern("Server http://127\\.0\\.0\\.1:\\d+: OpenAI-compatible API, ");
        assertThat(example.runAsIs("run", "jobs/openai-server.yaml", "--simulator", "--db", "state/db"))
                .as(example.err)
                .isZero();

        List<String> inputIds = Files.readAllLines(dir.resolve("input/articles.jsonl")).stream()
                .map(line -> JobFixture.JSON.readTree(line).get("id").asString())
                .toList();
        List<JsonNode> output = example.jsonLines("output/openai-server.jsonl");
        assertThat(output).extracting(record -> record.get("id").asString()).isEqualTo(inputIds);
        assertThat(output)
                .extracting(record -> record.get("tokens_per_second_source").asString())
                .containsOnly("server");
    }

    private static boolean absent(JsonNode record, String field) {
        return !record.has(field) || record.get(field).isNull();
    }

    private String read(String name) {
        try {
            return Files.readString(dir.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the server answers to exactly this /v1 request, sent with the right key. */
    private JsonNode post(String path, ObjectNode body) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(job.server + path))
                                    .header("Authorization", "Bearer " + KEY)
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            return JobFixture.JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

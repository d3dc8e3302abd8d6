package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import dev.promptbatch.simulator.Endpoint;
import dev.promptbatch.simulator.Fault;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/**
 * OpenAI Batch files end to end: the {@code batch} command (and a spec's {@code input-format} / {@code output-format})
 * in this JVM, the simulator's native endpoints on loopback, real files. What each line's answer must say is asked of
 * the simulator's own {@code /v1} routes, which translate a body as Ollama's compatibility layer does.
 */
class OpenAiBatchTest {
    private static final String PNG =
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
    private static final String SCHEMA = "{\"type\":\"object\",\"properties\":{\"title\":{\"type\":\"string\"},"
            + "\"year\":{\"type\":\"integer\"}},\"required\":[\"title\",\"year\"],\"additionalProperties\":false}";

    @RegisterExtension
    final SimulatorExtension simulated = SimulatorExtension.startedWith(SimulatorTestSettings.instant()
            .withModels(List.of("llama3.2:3b", "qwen2.5:7b", "llava", "nomic-embed-text"))
            .withInvalidJsonRate(0.3));

    @TempDir
    Path dir;

    private OllamaSimulator simulator;
    private JobFixture job;

    private static String line(String customId, String url, String body) {
        return "{\"custom_id\": \"" + customId + "\", \"method\": \"POST\", \"url\": \"" + url + "\", \"body\": " + body
                + "}\n";
    }

    private static final String CHAT = line(
            "chat-1",
            "/v1/chat/completions",
            "{\"model\": \"llama3.2:3b\", \"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"},"
                    + " {\"role\": \"user\", \"content\": \"Name a colour.\"}], \"temperature\": 0, \"max_tokens\": 30,"
                    + " \"stop\": \"\\n\\n\", \"presence_penalty\": 0.5}");
    private static final String COMPLETION = line(
            "text-1",
            "/v1/completions",
            "{\"model\": \"llama3.2:3b\", \"prompt\": \"Once upon a time\", \"seed\": 7, \"max_tokens\": 20,"
                    + " \"top_p\": 0.9}");
    private static final String EMBED_ONE =
            line("vec-1", "/v1/embeddings", "{\"model\": \"nomic-embed-text\", \"input\": \"one text\"}");
    private static final String EMBED_TWO = line(
            "vec-2",
            "/v1/embeddings",
            "{\"model\": \"nomic-embed-text\", \"input\": [\"first\", \"second\"], \"dimensions\": 32}");
    private static final String IMAGE = line(
            "see-1",
            "/v1/chat/completions",
            "{\"model\": \"llava\", \"seed\": 3, \"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\","
                    + " \"text\": \"What is in the picture?\"}, {\"type\": \"image_url\", \"image_url\": {\"url\":"
                    + " \"data:image/png;base64," + PNG + "\"}}]}]}");

    @Test
    void aMixedFileIsAnsweredLineByLineInInputOrderEachInItsShapeWithWhatOllamasV1RoutesAnswer() {
        String requests = CHAT + EMBED_ONE + COMPLETION + IMAGE + EMBED_TWO;
        job.write("requests.jsonl", requests);

        assertThat(batch("-i", "requests.jsonl", "-o", "out/results.jsonl"))
                .as(job.err)
                .isZero();

        List<JsonNode> output = job.jsonLines("out/results.jsonl");
        assertThat(output)
                .extracting(r -> r.get("custom_id").asString())
                .containsExactly("chat-1", "vec-1", "text-1", "see-1", "vec-2");
        assertThat(Files.exists(dir.resolve("out/results.errors.jsonl"))).isFalse();
        // The chat lines went to /api/chat (models are loaded with /api/generate and /api/embed).
        assertThat(simulator.stats().chatRequests()).isEqualTo(2);
        List<String> lines = requests.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            JsonNode request = JobFixture.JSON.readTree(lines.get(i));
            JsonNode ours = output.get(i);
            JsonNode theirs = v1(request.get("url").asString(), request.get("body"));
            JsonNode body = ours.get("response").get("body");
            String id = request.get("custom_id").asString();
            assertThat(ours.get("response").get("status_code").asInt()).isEqualTo(200);
            assertThat(ours.get("error").isNull()).isTrue();
            assertThat(body.get("object").asString())
                    .as(id)
                    .isEqualTo(theirs.get("object").asString());
            assertThat(body.get("model").asString())
                    .as(id)
                    .isEqualTo(request.get("body").get("model").asString());
            assertThat(body.get("usage")).as(id).isEqualTo(theirs.get("usage"));
            if (body.has("data")) {
                assertThat(body.get("data")).as(id).isEqualTo(theirs.get("data"));
            } else {
                assertThat(body.get("choices")).as(id).isEqualTo(theirs.get("choices"));
            }
            assertThat(ours.get("promptbatch").get("line").asLong()).isEqualTo(i + 1);
            assertThat(ours.get("promptbatch").get("model").asString())
                    .isEqualTo(request.get("body").get("model").asString());
        }
        assertThat(output.get(4).get("response").get("body").get("data")).hasSize(2);
        assertThat(output.get(4).get("response").get("body").get("data").get(1).get("embedding"))
                .hasSize(32);
        JsonNode chat = output.get(0).get("promptbatch");
        assertThat(chat.get("eval_count").asLong()).isPositive();
        assertThat(chat.get("tokens_per_second_source").asString()).isEqualTo("server");
        assertThat(chat.get("attempts").asInt()).isEqualTo(1);
        assertThat(chat.get("server").asString())
                .isEqualTo(simulator.baseUrl().toString().replaceAll("/$", ""));
        assertThat(job.out).contains("Output: out/results.jsonl (5 answers)");
    }

    @Test
    void badLinesAreBadRecordsNamingTheFieldAndTheOthersAreAnswered() {
        job.write(
                "requests.jsonl",
                CHAT
                        + line("img-1", "/v1/images/generations", "{\"model\": \"llama3.2:3b\", \"prompt\": \"a cat\"}")
                        + CHAT.replace("\"Name a colour.\"", "\"Name a fruit.\"")
                        + "{\"custom_id\": \"no-body\", \"method\": \"POST\", \"url\": \"/v1/completions\"}\n"
                        + line("get-1", "/v1/completions", "{}").replace("POST", "GET")
                        + line(
                                "stream-1",
                                "/v1/completions",
                                "{\"model\": \"llama3.2:3b\", \"prompt\": \"x\"," + " \"stream\": true}")
                        + line(
                                "url-image",
                                "/v1/chat/completions",
                                "{\"model\": \"llava\", \"messages\": [{\"role\":"
                                        + " \"user\", \"content\": [{\"type\": \"image_url\", \"image_url\": {\"url\":"
                                        + " \"https://example.com/cat.png\"}}]}]}")
                        + COMPLETION
                        + "{\"custom_id\": \"cut\", \"method\": \"POST\", \"url\": \"/v1/completions\", \"bo");

        assertThat(batch("-i", "requests.jsonl", "-o", "out/results.jsonl"))
                .as(job.err)
                .isEqualTo(3);

        assertThat(job.jsonLines("out/results.jsonl"))
                .extracting(r -> r.get("custom_id").asString())
                .containsExactly("chat-1", "text-1");
        List<JsonNode> errors = job.jsonLines("out/results.errors.jsonl");
        List<String> described = new ArrayList<>();
        for (JsonNode error : errors) {
            assertThat(error.get("response").isNull()).isTrue();
            assertThat(error.get("error").get("code").asString()).isEqualTo("bad_record");
            assertThat(error.get("promptbatch").get("kind").asString()).isEqualTo("bad-record");
            described.add(
                    error.get("line").asLong() + " " + error.get("custom_id").asString(null) + ": "
                            + error.get("error").get("message").asString());
        }
        assertThat(described)
                .containsExactly(
                        "2 img-1: url: /v1/images/generations is not supported; expected one of "
                                + "/v1/chat/completions, /v1/completions, /v1/embeddings",
                        "3 chat-1: custom_id: 'chat-1' is already the custom_id of line 1; the first line with it "
                                + "stands",
                        "4 no-body: body: missing; it holds the request for /v1/completions",
                        "5 get-1: method: expected \"POST\", got \"GET\"",
                        "6 stream-1: body.stream: true is not supported: each line is answered whole; leave stream "
                                + "out",
                        "7 url-image: body.messages[0].content[0].image_url.url: an image is sent as a base64 data "
                                + "URI (data:image/png;base64,...); Ollama takes no image URLs",
                        "9 null: invalid JSON at column 69: Unexpected end-of-input in property name");
        assertThat(simulator.stats().chatRequests())
                .as("the duplicate is not sent")
                .isEqualTo(1);
    }

    @Test
    void aRequestTheServerRefusedKeepsItsStatusAndMessageAsOpenAisResponseWhileABadRecordHasAnError()
            throws IOException {
        simulator.faults().failWhen(request -> request.prompt().equals("Too long."), Fault.PROMPT_TOO_LONG);
        job.write(
                "requests.jsonl",
                CHAT
                        + line(
                                "long-1",
                                "/v1/chat/completions",
                                "{\"model\": \"llama3.2:3b\", \"messages\": [{\"role\": \"user\", \"content\":"
                                        + " \"Too long.\"}]}")
                        + "{\"custom_id\": \"no-body\", \"method\": \"POST\", \"url\": \"/v1/completions\"}\n");

        assertThat(batch("-i", "requests.jsonl", "-o", "out/results.jsonl"))
                .as(job.err)
                .isEqualTo(3);

        String tooLong = "the prompt is longer than the context length currently available to the model; shorten the "
                + "prompt, adjust the context length in settings, or use a model with a longer context length";
        assertThat(job.lines("out/results.errors.jsonl"))
                .containsExactly(
                        "{\"id\":\"batch_req_15ff349c754d84419c1e227b534b4bd0\",\"custom_id\":\"long-1\","
                                + "\"response\":{\"status_code\":400,\"request_id\":\"req_cea86a249276fccb0d42eb059276bf9e\","
                                + "\"body\":{\"error\":{\"message\":\"" + tooLong
                                + "\",\"type\":\"invalid_request_error\","
                                + "\"param\":null,\"code\":null}}},\"error\":null,\"line\":2,"
                                + "\"promptbatch\":{\"id\":\"long-1\",\"line\":2,\"model\":\"llama3.2:3b\",\"server\":\""
                                + job.server + "\",\"seed\":null,\"kind\":\"rejected\",\"message\":\"HTTP 400: "
                                + tooLong
                                + "\",\"attempts\":1}}",
                        "{\"id\":\"batch_req_820b39b6953297df1e500881ca16a5a3\",\"custom_id\":\"no-body\","
                                + "\"response\":null,\"error\":{\"code\":\"bad_record\",\"message\":\"body: missing; it "
                                + "holds the request for /v1/completions\"},\"line\":3,\"promptbatch\":{\"id\":\"no-body\","
                                + "\"line\":3,\"model\":null,\"server\":null,\"seed\":null,\"kind\":\"bad-record\","
                                + "\"message\":\"body: missing; it holds the request for /v1/completions\",\"attempts\":0}}");
        // The run's own readers take the errors file as before: the summary and the report.
        assertThat(job.out)
                .containsPattern("llama3.2:3b +2 +1 +1 ")
                .contains("Errors: out/results.errors.jsonl (2 failures)");
        assertThat(job.runAsIs("report", "out/results.jsonl")).as(job.err).isZero();
        assertThat(Files.readString(dir.resolve("out/results.html")))
                .contains("llama3.2:3b</td><td class=\"num\">1</td><td class=\"num bad\">1</td>");
    }

    @Test
    void aRequestWhoseAttemptsRanOutOnAServerErrorKeepsTheLastAttemptsStatusAndMessage() {
        simulator.faults().failWhen(request -> request.prompt().equals("Once upon a time"), Fault.INTERNAL_ERROR);
        job.write("requests.jsonl", COMPLETION);
        job.write("job.yaml", """
                name: failing
                input: requests.jsonl
                input-format: openai-batch
                output: out/a.jsonl
                output-format: openai-batch
                retry: {max-attempts: 2, initial-backoff: 5ms, max-backoff: 10ms}
                """);

        assertThat(job.run("run", "job.yaml")).as(job.err).isEqualTo(3);

        JsonNode failure = job.jsonLines("out/a.errors.jsonl").get(0);
        assertThat(failure.get("response").get("status_code").asInt()).isEqualTo(500);
        assertThat(failure.get("response").get("body").toString())
                .isEqualTo(
                        "{\"error\":{\"message\":\"model runner has unexpectedly stopped, this may be due to resource "
                                + "limitations or an internal error, check ollama server logs for details\",\"type\":"
                                + "\"api_error\",\"param\":null,\"code\":null}}");
        assertThat(failure.get("error").isNull()).isTrue();
        assertThat(failure.get("promptbatch").get("kind").asString()).isEqualTo("retries-exhausted");
        assertThat(failure.get("promptbatch").get("attempts").asInt()).isEqualTo(2);
    }

    @Test
    void modelOverridesEveryBodysModelAndNamesTheRun() {
        job.write("requests.jsonl", CHAT + COMPLETION);

        assertThat(batch("-i", "requests.jsonl", "-o", "out/results.jsonl", "--model", "qwen2.5:7b"))
                .as(job.err)
                .isZero();

        List<JsonNode> output = job.jsonLines("out/results.jsonl");
        List<String> lines = (CHAT + COMPLETION).lines().toList();
        for (int i = 0; i < 2; i++) {
            JsonNode request = JobFixture.JSON.readTree(lines.get(i));
            ObjectNode body = (ObjectNode) request.get("body").deepCopy();
            body.put("model", "qwen2.5:7b");
            JsonNode theirs = v1(request.get("url").asString(), body);
            assertThat(output.get(i).get("response").get("body").get("model").asString())
                    .isEqualTo("qwen2.5:7b");
            assertThat(output.get(i).get("response").get("body").get("choices")).isEqualTo(theirs.get("choices"));
        }
        assertThat(simulator.stats().loads()).containsOnlyKeys("qwen2.5:7b");
        assertThat(job.out)
                .startsWith("batch (input=" + dir.resolve("requests.jsonl") + ", output="
                        + dir.resolve("out/results.jsonl") + ", model=qwen2.5:7b) completed");
    }

    @Test
    void aJsonSchemaResponseFormatIsValidatedAndAskedAgainWithTheNextSeedAsAFormatJobIs() {
        StringBuilder requests = new StringBuilder();
        int lines = 40;
        for (int n = 1; n <= lines; n++) {
            requests.append(line(
                    "book-" + n,
                    "/v1/chat/completions",
                    "{\"model\": \"llama3.2:3b\", \"seed\": 100, \"messages\": [{\"role\": \"user\", \"content\":"
                            + " \"Book " + n + "\"}], \"response_format\": {\"type\": \"json_schema\", \"json_schema\":"
                            + " {\"name\": \"book\", \"strict\": true, \"schema\": " + SCHEMA + "}}}"));
        }
        job.write("requests.jsonl", requests.toString());

        int code = batch("-i", "requests.jsonl", "-o", "out/results.jsonl");

        Map<String, Long> expectedSeed = new LinkedHashMap<>();
        List<String> invalid = new ArrayList<>();
        for (int n = 1; n <= lines; n++) {
            Long valid = null;
            for (long seed = 100; seed <= 102 && valid == null; seed++) {
                ObjectNode request = JobFixture.JSON.createObjectNode();
                request.put("model", "llama3.2:3b");
                request.putArray("messages").addObject().put("role", "user").put("content", "Book " + n);
                request.putObject("options").put("seed", seed);
                request.set("format", JobFixture.JSON.readTree(SCHEMA));
                if (simulator.answerIsValid(Endpoint.CHAT, request)) {
                    valid = seed;
                }
            }
            if (valid == null) {
                invalid.add("book-" + n);
            } else {
                expectedSeed.put("book-" + n, valid);
            }
        }
        assertThat(expectedSeed.values()).as("some lines need a re-ask").contains(101L);
        assertThat(code).as(job.err).isEqualTo(invalid.isEmpty() ? 0 : 3);
        List<JsonNode> output = job.jsonLines("out/results.jsonl");
        assertThat(output)
                .extracting(r -> r.get("custom_id").asString())
                .containsExactlyElementsOf(expectedSeed.keySet());
        for (JsonNode answer : output) {
            String id = answer.get("custom_id").asString();
            JsonNode extension = answer.get("promptbatch");
            assertThat(extension.get("seed").asLong()).as(id).isEqualTo(expectedSeed.get(id));
            assertThat(extension.get("reasks").asLong()).as(id).isEqualTo(expectedSeed.get(id) - 100);
            JsonNode json = JobFixture.JSON.readTree(answer.get("response")
                    .get("body")
                    .get("choices")
                    .get(0)
                    .get("message")
                    .get("content")
                    .asString());
            assertThat(json.get("title").isString()).as(id).isTrue();
            assertThat(json.get("year").isIntegralNumber()).as(id).isTrue();
        }
        if (!invalid.isEmpty()) {
            assertThat(job.jsonLines("out/results.errors.jsonl"))
                    .extracting(r -> r.get("custom_id").asString() + " "
                            + r.get("error").get("code").asString())
                    .containsExactlyElementsOf(
                            invalid.stream().map(id -> id + " invalid_output").toList());
        }
    }

    @Test
    void aTemplateJobCanWriteOpenAiBatchLinesWithTheRecordIdAsCustomId() {
        job.numberedRecords("in.csv", 3);
        job.write("job.yaml", """
                name: lines
                input: in.csv
                id-field: n
                model: llama3.2:3b
                prompt: "Say {{text}}"
                options: {seed: 5}
                output: out/lines.jsonl
                output-format: openai-batch
                """);

        assertThat(job.run("run", "job.yaml")).as(job.err).isZero();

        List<JsonNode> output = job.jsonLines("out/lines.jsonl");
        assertThat(output).extracting(r -> r.get("custom_id").asString()).containsExactly("1", "2", "3");
        for (int n = 1; n <= 3; n++) {
            JsonNode body = output.get(n - 1).get("response").get("body");
            assertThat(body.get("object").asString()).isEqualTo("text_completion");
            assertThat(body.get("choices").get(0).get("text").asString())
                    .isEqualTo(job.expectedResponse("llama3.2:3b", null, "Say record " + n, Map.of("seed", 5)));
        }
    }

    @Test
    void onAnOpenAiCompatibleServerEachLinesBodyIsSentAsItIsToItsOwnRoute() {
        String requests = CHAT + EMBED_ONE + COMPLETION + EMBED_TWO;
        job.write("requests.jsonl", requests);
        job.write("job.yaml", """
                name: v1-lines
                input: requests.jsonl
                input-format: openai-batch
                output: out/results.jsonl
                output-format: openai-batch
                server: {api: openai}
                """);

        assertThat(job.run("run", "job.yaml")).as(job.err).isZero();

        List<JsonNode> output = job.jsonLines("out/results.jsonl");
        List<String> lines = requests.lines().toList();
        assertThat(output).hasSize(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            JsonNode request = JobFixture.JSON.readTree(lines.get(i));
            JsonNode ours = output.get(i);
            JsonNode theirs = v1(request.get("url").asString(), request.get("body"));
            JsonNode body = ours.get("response").get("body");
            String id = request.get("custom_id").asString();
            assertThat(ours.get("custom_id").asString()).isEqualTo(id);
            assertThat(body.get("object").asString())
                    .as(id)
                    .isEqualTo(theirs.get("object").asString());
            assertThat(body.get("usage")).as(id).isEqualTo(theirs.get("usage"));
            if (body.has("data")) {
                assertThat(body.get("data")).as(id).isEqualTo(theirs.get("data"));
            } else {
                assertThat(body.get("choices")).as(id).isEqualTo(theirs.get("choices"));
                // The /v1 routes report no durations: that shows the route taken.
                assertThat(ours.get("promptbatch").get("total_duration").isNull())
                        .as(id)
                        .isTrue();
            }
        }
    }

    @Test
    void aSpecWithInputFormatOpenAiBatchRunsItsLinesAndSweepsSeedsWhileDiffAndTheSummaryReadTheOutput() {
        job.write("requests.jsonl", COMPLETION + EMBED_ONE);
        job.write("job.yaml", """
                name: sweep
                input: requests.jsonl
                input-format: openai-batch
                seeds: [1, 2]
                output: out/a.jsonl
                output-format: openai-batch
                """);

        assertThat(job.run("run", "job.yaml")).as(job.err).isZero();

        List<JsonNode> output = job.jsonLines("out/a.jsonl");
        assertThat(output)
                .extracting(r -> r.get("custom_id").asString() + " "
                        + r.get("promptbatch").get("seed"))
                .containsExactly("text-1 1", "vec-1 null", "text-1 2", "vec-1 null");
        assertThat(job.out).contains("Output: out/a.jsonl (4 answers)");
        assertThat(job.out).containsPattern("llama3.2:3b +2 +2 +0 ");

        job.write(
                "job-b.yaml",
                String.join("\n", job.lines("job.yaml"))
                        .replace("name: sweep", "name: sweep-b")
                        .replace("out/a.jsonl", "out/b.jsonl"));
        assertThat(job.run("run", "job-b.yaml")).as(job.err).isZero();
        assertThat(job.runAsIs("diff", "out/a.jsonl", "out/b.jsonl"))
                .as(job.out + job.err)
                .isZero();
    }

    @Test
    void aTemplateKeyBesideAnOpenAiBatchInputIsASpecErrorNamingIt() {
        job.write("requests.jsonl", COMPLETION);
        job.write("job.yaml", """
                name: mixed-up
                input: requests.jsonl
                input-format: openai-batch
                prompt: "{{text}}"
                output: out/a.jsonl
                """);

        assertThat(job.run("run", "job.yaml")).isEqualTo(2);
        assertThat(job.err)
                .isEqualTo("promptbatch: " + dir.resolve("job.yaml") + ", line 4: key 'prompt': does not apply to "
                        + "input-format: openai-batch (each line is a request and its body says what to ask; sweep "
                        + "with models, seeds or repeat)\n");
    }

    @Test
    void aBodyFieldOllamaDoesNotTakeIsWarnedOfOnceNamingItsFirstLine() {
        job.write(
                "requests.jsonl",
                COMPLETION
                        + COMPLETION
                                .replace("text-1", "text-2")
                                .replace("\"seed\"", "\"user\": \"u1\", \"n\": 1, \"seed\"")
                        + COMPLETION.replace("text-1", "text-3").replace("\"seed\"", "\"user\": \"u2\", \"seed\""));

        assertThat(batch("-i", "requests.jsonl", "-o", "out/results.jsonl"))
                .as(job.err)
                .isZero();

        assertThat(job.err.lines().filter(l -> l.contains("is not sent to Ollama servers")))
                .containsExactly(
                        "promptbatch: warning: requests.jsonl: body.user of /v1/completions lines is not sent to Ollama "
                                + "servers, which do not take it (first on line 2); an api: openai server is sent the "
                                + "body as it is",
                        "promptbatch: warning: requests.jsonl: body.n of /v1/completions lines is not sent to Ollama "
                                + "servers, which do not take it (first on line 2); an api: openai server is sent the "
                                + "body as it is");
        assertThat(job.jsonLines("out/results.jsonl")).hasSize(3);
    }

    @Test
    void theBatchCommandNamesItsOwnOptionsInItsMistakes() {
        job.write("requests.jsonl", line("a", "/v1/completions", "{\"prompt\": \"hi\"}"));

        assertThat(batch("-i", "requests.jsonl", "-o", "out/results.csv")).isEqualTo(2);
        assertThat(job.err).isEqualTo("promptbatch: --output: expected a .jsonl file, got 'out/results.csv'\n");

        assertThat(batch("-i", "requests.jsonl", "-o", "out/results.jsonl")).isEqualTo(2);
        assertThat(job.err)
                .isEqualTo("promptbatch: batch: no model: no line of " + dir.resolve("requests.jsonl")
                        + " names one in its body.model; give --model M\n");

        assertThat(batch("-i", "requests.jsonl", "-o", "out/results.jsonl", "--model", "llama3.2:3b"))
                .as(job.err)
                .isZero();
        assertThat(job.jsonLines("out/results.jsonl")
                        .get(0)
                        .get("response")
                        .get("body")
                        .get("model")
                        .asString())
                .isEqualTo("llama3.2:3b");
    }

    private int batch(String... args) {
        List<String> all = new ArrayList<>(List.of("batch"));
        all.addAll(List.of(args));
        all.addAll(List.of(
                "--base-url",
                job.server.toString(),
                "--db",
                dir.resolve("state/db").toString()));
        return job.runAsIs(all.toArray(String[]::new));
    }

    /** The simulator's answer on its {@code /v1} route for this body. */
    private JsonNode v1(String url, JsonNode body) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(job.server.resolve(url))
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

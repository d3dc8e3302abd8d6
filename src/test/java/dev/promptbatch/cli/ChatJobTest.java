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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import tools.jackson.databind.JsonNode;

import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/** Chat jobs over real HTTP: the messages sent, the assistant message written, and the spec's chat mistakes. */
class ChatJobTest {
    @RegisterExtension
    final SimulatorExtension simulated = SimulatorExtension.startedWith(
            SimulatorTestSettings.instant().withModels(List.of("llama3.2:3b", "qwen3:4b")));

    @TempDir
    Path dir;

    private OllamaSimulator simulator;
    private JobFixture job;

    @Test
    void aChatJobSendsItsRenderedMessagesAndWritesTheAssistantMessageWithTheChatStatistics() {
        job.write("input/items.jsonl", """
                {"id":"a","text":"a red mug"}
                {"id":"b","text":"a blue kettle"}
                {"id":"c","other":"no text here"}
                {"id":"d","text":"a green lamp"}
                {"id":"e","text":" "}
                """);
        job.write("jobs/chat.yaml", """
                name: chat
                endpoint: chat
                input: input/items.jsonl
                id-field: id
                model: qwen3:4b
                messages:
                  - {role: system, content: "You name things."}
                  - {role: user, content: "Name it."}
                  - {role: assistant, content: "Which thing?"}
                  - {role: user, content: "{{text}}"}
                options: {seed: 11, temperature: 0.5}
                output: output/chat.jsonl
                """);

        assertThat(job.run("run", "jobs/chat.yaml")).as(job.err).isEqualTo(3);

        List<JsonNode> output = job.jsonLines("output/chat.jsonl");
        assertThat(output).extracting(r -> r.get("id").asString()).containsExactly("a", "b", "d");
        for (JsonNode record : output) {
            String text = record.get("id").asString().equals("a")
                    ? "a red mug"
                    : record.get("id").asString().equals("b") ? "a blue kettle" : "a green lamp";
            JsonNode expected = chat(
                    "qwen3:4b",
                    List.of(
                            message("system", "You name things."),
                            message("user", "Name it."),
                            message("assistant", "Which thing?"),
                            message("user", text)),
                    Map.of("seed", 11, "temperature", 0.5),
                    null);
            assertThat(record.get("response").asString())
                    .isEqualTo(expected.at("/message/content").asString())
                    .isNotEmpty();
            assertThat(record.get("thinking").asString())
                    .isEqualTo(expected.at("/message/thinking").asString())
                    .isNotEmpty();
            assertThat(record.get("done_reason").asString())
                    .isEqualTo(expected.get("done_reason").asString());
            assertThat(record.get("eval_count").asLong())
                    .isEqualTo(expected.get("eval_count").asLong());
            assertThat(record.get("prompt_eval_count").asLong())
                    .isEqualTo(expected.get("prompt_eval_count").asLong());
            assertThat(record.get("seed").asLong()).isEqualTo(11);
            assertThat(record.get("attempts").asInt()).isEqualTo(1);
            assertThat(record.has("json")).isFalse();
        }
        List<JsonNode> errors = job.jsonLines("output/chat.errors.jsonl");
        assertThat(errors).extracting(e -> e.get("id").asString()).containsExactly("c", "e");
        assertThat(errors).extracting(e -> e.get("kind").asString()).containsOnly("bad-record");
        assertThat(errors)
                .extracting(e -> e.get("message").asString())
                .containsExactly("missing field 'text'", "the last user message renders empty");
        assertThat(errors).extracting(e -> e.get("attempts").asInt()).containsOnly(0);
        // The three answers the job wrote, and the three this test asked for to compare.
        assertThat(simulator.stats().chatRequests()).isEqualTo(6);
    }

    @Test
    void withoutMessagesTheSystemAndPromptBecomeASystemAndAUserMessage() {
        job.write("input/items.csv", "text\nmug\nkettle\n");
        job.write("jobs/chat.yaml", """
                name: chat
                endpoint: chat
                input: input/items.csv
                model: llama3.2:3b
                system: "You describe {{text}}s."
                prompt: "Describe a {{text}}."
                options: {seed: 3}
                output: output/chat.csv
                """);

        assertThat(job.run("run", "jobs/chat.yaml")).as(job.err).isZero();

        List<Map<String, String>> rows = job.csvRows("output/chat.csv");
        assertThat(rows).extracting(r -> r.get("id")).containsExactly("1", "2");
        for (Map<String, String> row : rows) {
            String text = row.get("id").equals("1") ? "mug" : "kettle";
            JsonNode expected = chat(
                    "llama3.2:3b",
                    List.of(
                            message("system", "You describe " + text + "s."),
                            message("user", "Describe a " + text + ".")),
                    Map.of("seed", 3),
                    null);
            assertThat(row.get("response"))
                    .isEqualTo(expected.at("/message/content").asString());
            assertThat(row.get("thinking")).isEmpty();
        }
        assertThat(job.lines("output/chat.csv").get(0)).doesNotContain("json");
    }

    @Test
    void validateShowsTheFirstRecordsMessages() {
        job.write("input/items.csv", "text\nmug\n");
        job.write("jobs/chat.yaml", """
                name: chat
                endpoint: chat
                input: input/items.csv
                model: llama3.2:3b
                messages: [{role: system, content: "Be brief."}, {role: user, content: "Describe a {{text}}."}]
                output: output/chat.jsonl
                """);

        assertThat(job.runAsIs(
                        "validate",
                        "jobs/chat.yaml",
                        "--base-url",
                        simulator.baseUrl().toString(),
                        "--no-estimate"))
                .as(job.out + job.err)
                .isZero();
        assertThat(job.out)
                .contains("First prompt (record 1, line 2):\n  system: Be brief.\n  user: Describe a mug.\n");
        assertThat(simulator.stats().chatRequests()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            endpoint: chatt                                  | key 'endpoint': expected generate, chat or embed, got chatt
            'format: {typ: object}'                          | key 'format': unknown keyword 'typ' at the top (did you mean 'type'?); a JSON Schema ignores keywords it does not know, so it would not check the answers (write x-NAME for a keyword of your own)
            'format: {type: objekt}'                         | key 'format': not a valid JSON Schema (draft 2020-12): /type: does not have a value in the enumeration ["array", "boolean", "integer", "null", "number", "object", "string"]
            schema-retries: 11                               | key 'schema-retries': expected a whole number from 0 to 10 (0: never ask again), got 11
            schema-retries: -1                               | key 'schema-retries': expected a whole number from 0 to 10 (0: never ask again), got -1
            'messages: [{role: system, content: a}, {role: usr, content: b}]' | key 'messages[2].role': expected one of system, user, assistant, tool, got usr (did you mean 'user'?)
            'messages: [{role: user, text: b}]'              | unknown key 'messages[1].text'; known keys: role, content
            'messages: []'                                   | key 'messages': expected a list of messages such as [{role: system, content: "You extract facts."}, {role: user, content: "{{text}}"}]
            """)
    void aChatMistakeIsExitTwoNamingTheKey(String line, String expected) {
        job.write("input/a.csv", "text\nhello\n");
        boolean messages = line.startsWith("messages:");
        String text = """
                name: mistakes
                endpoint: chat
                input: input/a.csv
                model: llama3.2:3b
                output: output/a.jsonl
                """.replace("endpoint: chat\n", line.startsWith("endpoint:") ? "" : "endpoint: chat\n")
                + (messages ? "" : "prompt: \"Say {{text}}\"\n") + line + "\n";
        Path spec = job.write("jobs/m.yaml", text);

        assertThat(job.run("run", "jobs/m.yaml")).isEqualTo(2);
        // The mistake is on the spec's last line.
        assertThat(job.err)
                .isEqualTo("promptbatch: " + spec + ", line " + text.lines().count() + ": " + expected + "\n");
        assertThat(simulator.stats().chatRequests()).isZero();
    }

    @Test
    void messagesBesidePromptOrOnAnotherEndpointAreMistakes() {
        job.write("input/a.csv", "text\nhello\n");
        Path both = job.write("jobs/both.yaml", """
                name: both
                endpoint: chat
                input: input/a.csv
                model: llama3.2:3b
                prompt: "Say {{text}}"
                messages: [{role: user, content: "{{text}}"}]
                output: output/a.jsonl
                """);
        Path generate = job.write("jobs/generate.yaml", """
                name: generate
                input: input/a.csv
                model: llama3.2:3b
                messages: [{role: user, content: "{{text}}"}]
                output: output/a.jsonl
                """);
        Path column = job.write("jobs/column.yaml", """
                name: column
                endpoint: chat
                input: input/a.csv
                model: llama3.2:3b
                messages: [{role: user, content: "{{txt}}"}]
                output: output/a.jsonl
                """);

        assertThat(job.run("run", "jobs/both.yaml")).isEqualTo(2);
        assertThat(job.err)
                .isEqualTo("promptbatch: " + both
                        + ", line 6: key 'messages': either messages, or system and prompt (which "
                        + "become a system and a user message), not both: write the prompt as a message\n");
        assertThat(job.run("run", "jobs/generate.yaml")).isEqualTo(2);
        assertThat(job.err)
                .isEqualTo("promptbatch: " + generate
                        + ", line 4: key 'messages': only for endpoint: chat (this job's endpoint is generate)\n");
        assertThat(job.run("run", "jobs/column.yaml")).isEqualTo(2);
        assertThat(job.err)
                .isEqualTo("promptbatch: " + column + ": messages[1].content uses {{txt}}, but "
                        + dir.resolve("input/a.csv") + " has no such column (columns: text)\n");
    }

    @Test
    void aChatSweepRunsModelMajorReproducesAcrossConcurrencyAndGetsItsSummaryReportAndDiff() throws IOException {
        StringBuilder prompts = new StringBuilder();
        for (int n = 1; n <= 5; n++) {
            prompts.append("{\"id\":\"p")
                    .append(n)
                    .append("\",\"q\":\"question ")
                    .append(n)
                    .append("\"}\n");
        }
        job.write("input/prompts.jsonl", prompts.toString());
        for (String name : List.of("narrow", "wide")) {
            job.write("jobs/" + name + ".yaml", """
                    name: %s
                    endpoint: chat
                    input: input/prompts.jsonl
                    id-field: id
                    models: [llama3.2:3b, qwen3:4b]
                    messages: [{role: system, content: "Answer in JSON."}, {role: user, content: "{{q}}"}]
                    format: {type: object, properties: {answer: {type: string}}, required: [answer]}
                    seeds: [7, 8]
                    variants: [{temperature: 0.0}, {temperature: 0.9}]
                    concurrency: %d
                    output: output/%s.jsonl
                    report: output/%s.html
                    """.formatted(name, name.equals("narrow") ? 1 : 8, name, name));
            assertThat(job.run("run", "jobs/" + name + ".yaml")).as(job.err).isZero();
        }

        List<JsonNode> output = job.jsonLines("output/wide.jsonl");
        List<String> expected = new ArrayList<>();
        for (String model : List.of("llama3.2:3b", "qwen3:4b")) {
            for (int variant = 0; variant < 2; variant++) {
                for (int seed : new int[] {7, 8}) {
                    for (int n = 1; n <= 5; n++) {
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
        assertThat(output)
                .allSatisfy(r -> assertThat(r.at("/json/answer").isString()).isTrue());
        assertThat(job.runAsIs("diff", "output/narrow.jsonl", "output/wide.jsonl"))
                .isZero();
        assertThat(job.out).startsWith("identical: 40, different: 0, only in A: 0, only in B: 0");

        List<Map<String, String>> summary = job.csvRows("output/wide.summary.csv");
        assertThat(summary)
                .extracting(
                        r -> r.get("model") + " " + r.get("variant") + " " + r.get("answers") + " " + r.get("failures"))
                .containsExactly("llama3.2:3b 0 10 0", "llama3.2:3b 1 10 0", "qwen3:4b 0 10 0", "qwen3:4b 1 10 0");
        String report = Files.readString(dir.resolve("output/wide.html"));
        assertThat(report).contains("<h1>wide</h1>", "llama3.2:3b", "qwen3:4b");
        JsonNode manifest = JobFixture.JSON.readTree(
                dir.resolve("output/wide.manifest.json").toFile());
        assertThat(manifest.at("/spec/endpoint").asString()).isEqualTo("chat");
        assertThat(manifest.at("/spec/messages/1/content").asString()).isEqualTo("{{q}}");
        assertThat(job.runAsIs("report", "output/wide.jsonl", "--out", "output/again.html"))
                .isZero();
        assertThat(Files.readString(dir.resolve("output/again.html"))).contains("<h1>wide</h1>");
        assertThat(simulator.stats().chatRequests()).isEqualTo(80);
    }

    @Test
    void theProductFactsExampleRunsWithTheSimulatorIntoJsonColumns() throws IOException {
        for (String folder : List.of("jobs", "input")) {
            Files.createDirectories(dir.resolve(folder));
            try (var files = Files.list(Path.of(folder))) {
                for (Path file : files.toList()) {
                    Files.copy(file, dir.resolve(folder).resolve(file.getFileName()));
                }
            }
        }

        assertThat(job.runAsIs("run", "jobs/product-facts.yaml", "--simulator"))
                .as(job.err)
                .isIn(0, 3);

        List<String> header =
                List.of(job.lines("output/product-facts.csv").get(0).split(","));
        assertThat(header.subList(0, 11))
                .containsExactly(
                        "id",
                        "line",
                        "model",
                        "server",
                        "seed",
                        "response",
                        "json.title",
                        "json.category",
                        "json.price",
                        "json.weight_kg",
                        "json.features");
        List<Map<String, String>> rows = job.csvRows("output/product-facts.csv");
        assertThat(rows).hasSizeGreaterThan(250);
        assertThat(rows).allSatisfy(row -> {
            assertThat(row.get("json.title")).isNotEmpty();
            assertThat(Double.parseDouble(row.get("json.price"))).isNotNegative();
            assertThat(JobFixture.JSON.readTree(row.get("json.features")).isArray())
                    .isTrue();
        });
    }

    static Map<String, Object> message(String role, String content) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", role);
        message.put("content", content);
        return message;
    }

    /** What the server answers for exactly this chat request. */
    private JsonNode chat(
            String model, List<Map<String, Object>> messages, Map<String, Object> options, Object format) {
        return chat(job, model, messages, options, format);
    }

    static JsonNode chat(
            JobFixture job,
            String model,
            List<Map<String, Object>> messages,
            Map<String, Object> options,
            Object format) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        body.put("messages", messages);
        body.put("stream", false);
        body.put("options", options);
        if (format != null) {
            body.put("format", format);
        }
        try {
            HttpResponse<String> response = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(job.server.resolve("/api/chat"))
                                    .POST(HttpRequest.BodyPublishers.ofString(JobFixture.JSON.writeValueAsString(body)))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return JobFixture.JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

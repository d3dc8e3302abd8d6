package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;

import dev.promptbatch.simulator.Fault;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/**
 * A file written by {@code batch} read back by a strict reader of OpenAI's Batch output format: every field and type
 * that OpenAI's API reference lists for {@code BatchRequestOutput} and for the bodies of the three endpoints, and no
 * top-level field besides them but PromptBatch's extension (and an error line's input {@code line}).
 */
class OpenAiBatchOutputFormatTest {
    private static final Set<String> FINISH_REASONS =
            Set.of("stop", "length", "tool_calls", "content_filter", "function_call");

    @RegisterExtension
    final SimulatorExtension simulated = SimulatorExtension.startedWith(
            SimulatorTestSettings.instant().withModels(List.of("llama3.2:3b", "nomic-embed-text")));

    @TempDir
    Path dir;

    private OllamaSimulator simulator;
    private JobFixture job;

    @Test
    void everyOutputAndErrorLineHasTheFieldsAndTypesOpenAiDocumentsAndIdsAreTheSameOnAnotherRun() throws Exception {
        String example = Files.readString(Path.of("input/requests.jsonl"));
        job.write(
                "requests.jsonl",
                example
                        + "{\"custom_id\": \"img\", \"method\": \"POST\", \"url\": \"/v1/images/generations\","
                        + " \"body\": {\"prompt\": \"a cat\"}}\n"
                        + "{\"custom_id\": \"missing-model\", \"method\": \"POST\", \"url\": \"/v1/completions\","
                        + " \"body\": {\"model\": \"no-such-model\", \"prompt\": \"x\"}}\n");

        // A model no server has is refused before the run: this file's last line names one.
        assertThat(batch("out/results.jsonl")).isEqualTo(2);
        assertThat(job.err).contains("no-such-model");

        job.write(
                "requests.jsonl", String.join("\n", job.lines("requests.jsonl").subList(0, 6)) + "\n");
        // The server refuses one line (HTTP 400): OpenAI's errors file carries its response rather than an error.
        simulator
                .faults()
                .failWhen(request -> request.prompt().equals("Write a haiku about batch jobs."), Fault.PROMPT_TOO_LONG);
        assertThat(batch("out/results.jsonl")).as(job.err).isEqualTo(3);

        List<JsonNode> answers = job.jsonLines("out/results.jsonl");
        List<JsonNode> errors = job.jsonLines("out/results.errors.jsonl");
        assertThat(answers).hasSize(4);
        List<String> objects = new ArrayList<>();
        for (JsonNode line : answers) {
            objects.add(readOutputLine(line));
        }
        assertThat(objects).containsExactly("chat.completion", "chat.completion", "list", "list");
        List<String> failed = new ArrayList<>();
        for (JsonNode line : errors) {
            failed.add(readOutputLine(line));
        }
        assertThat(failed).containsExactly("HTTP 400", "error");

        assertThat(batch("out/again.jsonl")).as(job.err).isEqualTo(3);
        assertThat(job.jsonLines("out/again.jsonl"))
                .extracting(line ->
                        line.get("id").asString() + " " + line.get("response").get("request_id"))
                .containsExactlyElementsOf(answers.stream()
                        .map(line -> line.get("id").asString() + " "
                                + line.get("response").get("request_id"))
                        .toList());
    }

    /**
     * Checks one line as OpenAI documents it; returns its body's {@code object}, "HTTP N" for a request the server
     * answered with an error, or "error" for a failure without an HTTP answer.
     */
    private static String readOutputLine(JsonNode line) {
        assertThat(line.isObject()).isTrue();
        for (String field : line.propertyNames()) {
            assertThat(field).as(line.toString()).isIn("id", "custom_id", "response", "error", "promptbatch", "line");
        }
        assertThat(line.get("id").isString()).as("id").isTrue();
        assertThat(line.get("id").asString()).startsWith("batch_req_");
        assertThat(line.get("custom_id").isString()).as("custom_id").isTrue();
        assertThat(line.has("response")).isTrue();
        assertThat(line.has("error")).isTrue();
        JsonNode error = line.get("error");
        JsonNode response = line.get("response");
        if (!error.isNull()) {
            assertThat(error.get("code").isString()).as("error.code").isTrue();
            assertThat(error.get("message").isString()).as("error.message").isTrue();
            assertThat(response.isNull()).isTrue();
            assertThat(line.get("line").isIntegralNumber()).isTrue();
            return "error";
        }
        assertThat(response.get("status_code").isInt())
                .as("response.status_code")
                .isTrue();
        assertThat(response.get("request_id").isString())
                .as("response.request_id")
                .isTrue();
        JsonNode body = response.get("body");
        int status = response.get("status_code").asInt();
        if (status != 200) {
            assertThat(line.get("line").isIntegralNumber()).isTrue();
            JsonNode failure = body.get("error");
            assertThat(failure.get("message").isString())
                    .as("body.error.message")
                    .isTrue();
            assertThat(failure.get("type").isString()).as("body.error.type").isTrue();
            assertThat(failure.has("param")).as("body.error.param").isTrue();
            assertThat(failure.has("code")).as("body.error.code").isTrue();
            return "HTTP " + status;
        }
        assertThat(body.isObject()).as("response.body").isTrue();
        String object = body.get("object").asString();
        assertThat(body.get("model").isString()).as("body.model").isTrue();
        JsonNode usage = body.get("usage");
        assertThat(usage.get("prompt_tokens").isInt()).as("usage.prompt_tokens").isTrue();
        assertThat(usage.get("total_tokens").isInt()).as("usage.total_tokens").isTrue();
        if (object.equals("list")) {
            assertThat(body.get("data").isArray()).isTrue();
            assertThat(body.get("data")).isNotEmpty();
            for (int i = 0; i < body.get("data").size(); i++) {
                JsonNode item = body.get("data").get(i);
                assertThat(item.get("object").asString()).isEqualTo("embedding");
                assertThat(item.get("index").isInt()).isTrue();
                assertThat(item.get("index").asInt()).isEqualTo(i);
                assertThat(item.get("embedding").isArray()).isTrue();
                assertThat(item.get("embedding")).isNotEmpty().allMatch(JsonNode::isNumber);
            }
            assertThat(usage.get("total_tokens").asInt())
                    .isEqualTo(usage.get("prompt_tokens").asInt());
            return object;
        }
        assertThat(object).isIn("chat.completion", "text_completion");
        assertThat(body.get("id").isString()).as("body.id").isTrue();
        assertThat(body.get("created").isIntegralNumber()).as("body.created").isTrue();
        assertThat(usage.get("completion_tokens").isInt())
                .as("usage.completion_tokens")
                .isTrue();
        assertThat(usage.get("total_tokens").asInt())
                .isEqualTo(usage.get("prompt_tokens").asInt()
                        + usage.get("completion_tokens").asInt());
        assertThat(body.get("choices").isArray()).isTrue();
        assertThat(body.get("choices")).hasSize(1);
        JsonNode choice = body.get("choices").get(0);
        assertThat(choice.get("index").isInt()).as("choices[0].index").isTrue();
        assertThat(choice.get("finish_reason").asString()).isIn(FINISH_REASONS);
        if (object.equals("chat.completion")) {
            assertThat(choice.get("message").get("role").asString()).isEqualTo("assistant");
            assertThat(choice.get("message").get("content").isString()).isTrue();
        } else {
            assertThat(choice.get("text").isString()).as("choices[0].text").isTrue();
        }
        return object;
    }

    private int batch(String output) {
        return job.runAsIs(
                "batch",
                "-i",
                "requests.jsonl",
                "-o",
                output,
                "--base-url",
                job.server.toString(),
                "--db",
                dir.resolve("state/db").toString());
    }
}

package dev.promptbatch.simulator;

import static dev.promptbatch.simulator.SimulatorClient.JSON;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code POST /api/chat} over real HTTP: Ollama's request and answer fields, statistics and errors. */
class SimulatorChatTest {

    private static final String LLAMA = "llama3.2:3b";
    private static final String QWEN3 = "qwen3:4b";
    private static final String GEMMA = "gemma3:4b";
    private static final String MINILM = "all-minilm";
    private static final String PNG = Base64.getEncoder().encodeToString(new byte[] {(byte) 0x89, 'P', 'N', 'G'});

    private OllamaSimulator simulator;
    private SimulatorClient client;

    @BeforeEach
    void start() throws Exception {
        simulator = OllamaSimulator.start(SimulatorTestSettings.instant()
                .withModels(List.of(LLAMA, QWEN3, GEMMA, MINILM))
                .withMaxLoadedModels(4)
                .withMedianTokens(12)
                .withLengthSigma(0));
        client = new SimulatorClient(simulator);
    }

    @AfterEach
    void stop() {
        simulator.close();
    }

    static ObjectNode chat(String model, String... rolesAndContents) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model);
        body.put("stream", false);
        ArrayNode messages = body.putArray("messages");
        for (int i = 0; i < rolesAndContents.length; i += 2) {
            messages.addObject().put("role", rolesAndContents[i]).put("content", rolesAndContents[i + 1]);
        }
        return body;
    }

    private JsonNode answer(JsonNode body) throws Exception {
        HttpResponse<String> response = client.post("/api/chat", body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private void assertError(JsonNode body, int status, String message) throws Exception {
        HttpResponse<String> response = client.post("/api/chat", body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(JSON.readTree(response.body()).get("error").stringValue()).isEqualTo(message);
    }

    @Test
    void answerIsTheAssistantMessageWithOllamasStatistics() throws Exception {
        JsonNode answer = answer(chat(LLAMA, "system", "Be brief.", "user", "Write a haiku about autumn"));

        assertThat(answer.get("model").stringValue()).isEqualTo(LLAMA);
        assertThat(answer.get("created_at").stringValue()).endsWith("Z");
        JsonNode message = answer.get("message");
        assertThat(message.get("role").stringValue()).isEqualTo("assistant");
        assertThat(message.get("content").stringValue().split(" ")).hasSize(12);
        assertThat(message.has("thinking")).isFalse();
        assertThat(answer.has("response")).isFalse();
        assertThat(answer.get("done").booleanValue()).isTrue();
        assertThat(answer.get("done_reason").stringValue()).isEqualTo("stop");
        assertThat(answer.get("prompt_eval_count").intValue()).isEqualTo(7); // 5 user words + 2 system words
        assertThat(answer.get("eval_count").intValue()).isEqualTo(12);
        assertThat(answer.get("eval_duration").longValue()).isEqualTo(12_000);
        assertThat(answer.get("prompt_eval_duration").longValue()).isEqualTo(7_000);
        assertThat(answer.get("load_duration").longValue())
                .isPositive()
                .isLessThanOrEqualTo(answer.get("total_duration").longValue());
        assertThat(simulator.stats().chatRequests()).isEqualTo(1);
        assertThat(simulator.stats().generateRequests()).isZero();
        assertThat(simulator.stats().requestsForPrompt("Write a haiku about autumn"))
                .isEqualTo(1);
    }

    @Test
    void theAnswerDependsOnTheWholeConversationAndIsReproducibleWithASeed() throws Exception {
        ObjectNode first = chat(LLAMA, "user", "Name a colour");
        first.putObject("options").put("seed", 7);
        ObjectNode again = first.deepCopy();
        ObjectNode longer = chat(LLAMA, "user", "Name a fruit", "assistant", "Apple.", "user", "Name a colour");
        longer.putObject("options").put("seed", 7);

        String content = answer(first).get("message").get("content").stringValue();

        assertThat(answer(again).get("message").get("content").stringValue()).isEqualTo(content);
        assertThat(answer(longer).get("message").get("content").stringValue()).isNotEqualTo(content);
    }

    @Test
    void thinkingModelsAnswerWithThinkingInTheMessageUnlessToldNotTo() throws Exception {
        JsonNode thinking = answer(chat(QWEN3, "user", "Why is the sky blue?"));
        JsonNode plain = answer(chat(QWEN3, "user", "Why is the sky blue?").put("think", false));

        assertThat(thinking.get("message").get("thinking").stringValue()).isNotEmpty();
        assertThat(thinking.get("eval_count").intValue()).isEqualTo(24); // thinking tokens count too
        assertThat(plain.get("message").has("thinking")).isFalse();
        assertError(chat(LLAMA, "user", "Hi").put("think", true), 400, "\"llama3.2:3b\" does not support thinking");
    }

    @Test
    void numPredictCutsTheAnswerWithDoneReasonLength() throws Exception {
        ObjectNode request = chat(LLAMA, "user", "Tell me a story");
        request.putObject("options").put("num_predict", 5);

        JsonNode answer = answer(request);

        assertThat(answer.get("message").get("content").stringValue().split(" "))
                .hasSize(5);
        assertThat(answer.get("done_reason").stringValue()).isEqualTo("length");
        assertThat(answer.get("eval_count").intValue()).isEqualTo(5);
    }

    @Test
    void streamingSendsMessageChunksAndAFinalChunkWithTheStatistics() throws Exception {
        HttpResponse<String> response =
                client.post("/api/chat", chat(LLAMA, "user", "Write a haiku").put("stream", true));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/x-ndjson");
        List<JsonNode> lines = new ArrayList<>();
        for (String line : response.body().split("\n")) {
            lines.add(JSON.readTree(line));
        }
        assertThat(lines).hasSize(13);
        StringBuilder content = new StringBuilder();
        for (JsonNode line : lines.subList(0, 12)) {
            assertThat(line.get("done").booleanValue()).isFalse();
            assertThat(line.get("message").get("role").stringValue()).isEqualTo("assistant");
            content.append(line.get("message").get("content").stringValue());
        }
        assertThat(content.toString().split(" ")).hasSize(12);
        JsonNode last = lines.get(12);
        assertThat(last.get("done").booleanValue()).isTrue();
        assertThat(last.get("done_reason").stringValue()).isEqualTo("stop");
        assertThat(last.get("message").get("content").stringValue()).isEmpty();
        assertThat(last.get("eval_count").intValue()).isEqualTo(12);
    }

    @Test
    void noMessagesLoadsTheModelAndKeepAliveZeroUnloadsIt() throws Exception {
        ObjectNode load = JSON.createObjectNode().put("model", LLAMA).put("stream", false);

        JsonNode loaded = answer(load);
        JsonNode unloaded = answer(load.deepCopy().put("keep_alive", 0));

        assertThat(loaded.get("done_reason").stringValue()).isEqualTo("load");
        assertThat(loaded.get("message").get("role").stringValue()).isEqualTo("assistant");
        assertThat(loaded.get("message").get("content").stringValue()).isEmpty();
        assertThat(loaded.has("total_duration")).isFalse();
        assertThat(unloaded.get("done_reason").stringValue()).isEqualTo("unload");
        assertThat(simulator.stats().loads()).containsEntry("llama3.2:3b", 1);
    }

    @Test
    void imagesCountAsPromptTokensOnAVisionModel() throws Exception {
        ObjectNode request = chat(GEMMA);
        request.withArray("messages")
                .addObject()
                .put("role", "user")
                .put("content", "Describe this photo")
                .putArray("images")
                .add(PNG);

        JsonNode answer = answer(request);

        assertThat(answer.get("prompt_eval_count").intValue()).isEqualTo(3 + 768);
    }

    @Test
    void imagesOnATextModelFailInTheRunnerAsOllamaPassesItOn() throws Exception {
        ObjectNode request = chat(LLAMA);
        request.withArray("messages")
                .addObject()
                .put("role", "user")
                .put("content", "Describe this photo")
                .putArray("images")
                .add(PNG);

        assertError(
                request,
                500,
                "{\"error\":{\"code\":500,\"message\":\"image input is not supported - hint: if this is unexpected, "
                        + "you may need to provide the mmproj\",\"type\":\"server_error\"}}");
    }

    @Test
    void imagesMustBePaddedBase64WithoutADataPrefix() throws Exception {
        ObjectNode prefixed = chat(GEMMA);
        prefixed.withArray("messages")
                .addObject()
                .put("role", "user")
                .put("content", "Describe")
                .putArray("images")
                .add("data:image/png;base64," + PNG);
        ObjectNode unpadded = chat(GEMMA);
        unpadded.withArray("messages")
                .addObject()
                .put("role", "user")
                .put("content", "Describe")
                .putArray("images")
                .add("iVBORw0KGgo");

        assertError(prefixed, 400, "illegal base64 data at input byte 4");
        assertError(unpadded, 400, "illegal base64 data at input byte 8");
    }

    @Test
    void requestMistakesGetOllamasErrors() throws Exception {
        assertError(chat("", "user", "Hi"), 400, "model is required");
        assertError(chat("mistral", "user", "Hi"), 404, "model 'mistral' not found");
        assertError(chat(MINILM, "user", "Hi"), 400, "\"all-minilm\" does not support chat");
        assertError(
                JSON.createObjectNode().put("model", LLAMA).put("messages", "Hi"),
                400,
                "json: cannot unmarshal string into Go struct field ChatRequest.messages of type []api.Message");
        assertError(
                chat(LLAMA, "user", "Hi").put("format", "yaml"),
                500,
                "invalid format: \"\\\"yaml\\\"\"; expected \"json\" or a valid JSON Schema object");
        HttpResponse<String> empty = client.post("/api/chat", "");
        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(empty.body()).get("error").stringValue()).isEqualTo("missing request body");
    }

    @Test
    void faultRulesSeeTheLastUserMessageAsThePrompt() throws Exception {
        simulator.faults().failWhen(request -> request.prompt().equals("busy"), Fault.SERVICE_UNAVAILABLE);

        assertError(
                chat(LLAMA, "user", "fine", "assistant", "Yes.", "user", "busy"),
                503,
                "server busy, please try again.  maximum pending requests exceeded");
        assertThat(answer(chat(LLAMA, "user", "busy", "assistant", "No.", "user", "fine"))
                        .get("done")
                        .booleanValue())
                .isTrue();
        assertThat(simulator.stats().unansweredForPrompt("busy")).isEqualTo(1);
    }

    @Test
    void showReportsCapabilitiesFromTheModelName() throws Exception {
        assertThat(capabilities(LLAMA)).containsExactly("completion");
        assertThat(capabilities(GEMMA)).containsExactly("completion", "vision");
        assertThat(capabilities(QWEN3)).containsExactly("completion", "thinking");
        assertThat(capabilities(MINILM)).containsExactly("embedding");
    }

    private List<String> capabilities(String model) throws Exception {
        HttpResponse<String> response =
                client.post("/api/show", JSON.createObjectNode().put("model", model));
        List<String> capabilities = new ArrayList<>();
        JSON.readTree(response.body()).get("capabilities").forEach(c -> capabilities.add(c.stringValue()));
        return capabilities;
    }
}

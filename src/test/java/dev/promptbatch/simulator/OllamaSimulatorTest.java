package dev.promptbatch.simulator;

import static dev.promptbatch.simulator.SimulatorClient.JSON;
import static dev.promptbatch.simulator.SimulatorClient.generate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The simulator's HTTP contract, checked over real HTTP against Ollama's field names, units and errors. */
class OllamaSimulatorTest {

    private static final String LLAMA = "llama3.2:3b";
    private static final String QWEN3 = "qwen3:4b";

    private OllamaSimulator simulator;
    private SimulatorClient client;

    @BeforeEach
    void start() throws Exception {
        simulator = OllamaSimulator.start(SimulatorTestSettings.instant()
                .withModels(List.of(LLAMA, QWEN3, "gemma3:4b"))
                .withMaxLoadedModels(3)
                .withMedianTokens(12)
                .withLengthSigma(0));
        client = new SimulatorClient(simulator);
    }

    @AfterEach
    void stop() {
        simulator.close();
    }

    @Test
    void generateTakesImagesAtTheTopLevelCheckedAsOllamaChecksThem() throws Exception {
        String png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
        ObjectNode vision = generate("gemma3:4b", "Describe this photo");
        vision.putArray("images").add(png);
        ObjectNode textOnly = generate(LLAMA, "Describe this photo");
        textOnly.putArray("images").add(png);
        ObjectNode prefixed = generate("gemma3:4b", "Describe this photo");
        prefixed.putArray("images").add("data:image/png;base64," + png);
        ObjectNode number = generate("gemma3:4b", "Describe this photo");
        number.putArray("images").add(1);

        JsonNode answer = client.answer(vision);

        assertThat(answer.get("prompt_eval_count").intValue()).isEqualTo(3 + 768);
        assertThat(answer.get("response").stringValue())
                .isNotEqualTo(client.answer(generate("gemma3:4b", "Describe this photo"))
                        .get("response")
                        .stringValue());
        assertError(
                textOnly,
                500,
                "{\"error\":{\"code\":500,\"message\":\"image input is not supported - hint: if this is unexpected, "
                        + "you may need to provide the mmproj\",\"type\":\"server_error\"}}");
        assertError(prefixed, 400, "illegal base64 data at input byte 4");
        assertError(
                number,
                400,
                "json: cannot unmarshal number into Go struct field GenerateRequest.images of type api.ImageData");
    }

    private void assertError(ObjectNode request, int status, String message) throws Exception {
        HttpResponse<String> response = client.post("/api/generate", request);
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(JSON.readTree(response.body()).get("error").stringValue()).isEqualTo(message);
    }

    @Test
    void nonStreamingAnswerHasOllamasFieldsInNanoseconds() throws Exception {
        JsonNode answer =
                client.answer(generate(LLAMA, "Write a haiku about autumn").put("system", "Be brief."));

        assertThat(answer.get("model").stringValue()).isEqualTo(LLAMA);
        String createdAt = answer.get("created_at").stringValue();
        assertThat(createdAt).endsWith("Z");
        assertThat(Instant.parse(createdAt)).isBetween(Instant.now().minusSeconds(10), Instant.now());
        assertThat(answer.get("response").stringValue().split(" ")).hasSize(12);
        assertThat(answer.get("done").booleanValue()).isTrue();
        assertThat(answer.get("done_reason").stringValue()).isEqualTo("stop");
        assertThat(answer.get("prompt_eval_count").intValue()).isEqualTo(7); // 5 prompt words + 2 system words
        assertThat(answer.get("eval_count").intValue()).isEqualTo(12);
        // Instant speeds still report a small duration per token, so tokens per second stays finite.
        assertThat(answer.get("eval_duration").longValue()).isEqualTo(12_000);
        assertThat(answer.get("prompt_eval_duration").longValue()).isEqualTo(7_000);
        assertThat(answer.get("total_duration").longValue()).isPositive();
        assertThat(answer.get("load_duration").longValue())
                .isPositive()
                .isLessThanOrEqualTo(answer.get("total_duration").longValue());
        assertThat(answer.has("thinking")).isFalse();
        assertThat(answer.has("context")).isFalse();
    }

    @Test
    void durationsFollowTheConfiguredSpeedsInNanoseconds() throws Exception {
        try (OllamaSimulator timed = OllamaSimulator.start(SimulatorTestSettings.instant()
                .withTokensPerSecond(1000)
                .withPromptTokensPerSecond(2000)
                .withMedianTokens(40)
                .withLengthSigma(0))) {
            long start = System.nanoTime();
            JsonNode answer = new SimulatorClient(timed).answer(generate(LLAMA, "one two three four"));
            long elapsed = System.nanoTime() - start;

            assertThat(answer.get("eval_duration").longValue()).isEqualTo(40_000_000); // 40 tokens at 1000/s
            assertThat(answer.get("prompt_eval_duration").longValue()).isEqualTo(2_000_000); // 4 at 2000/s
            assertThat(answer.get("total_duration").longValue()).isBetween(42_000_000L, elapsed);
        }
    }

    @Test
    void sameSeedGivesTheSameAnswerAndAnotherSeedAnother() throws Exception {
        ObjectNode request = generate(LLAMA, "Describe a lamp");
        request.put("system", "You write product copy.");
        request.putObject("options").put("seed", 42).put("temperature", 0.7);

        String first = client.answer(request).get("response").stringValue();
        String again = client.answer(request).get("response").stringValue();
        ((ObjectNode) request.get("options")).put("seed", 43);
        String otherSeed = client.answer(request).get("response").stringValue();

        assertThat(again).isEqualTo(first);
        assertThat(otherSeed).isNotEqualTo(first);
    }

    @Test
    void everyInputOfTheAnswerChangesIt() throws Exception {
        ObjectNode request = generate(LLAMA, "Describe a lamp");
        request.putObject("options").put("seed", 1);
        String base = client.answer(request).get("response").stringValue();

        ObjectNode otherSystem = request.deepCopy().put("system", "Be formal.");
        ObjectNode otherPrompt = request.deepCopy().put("prompt", "Describe a chair");
        ObjectNode otherModel = request.deepCopy().put("model", "gemma3:4b");
        ObjectNode otherOption = request.deepCopy();
        ((ObjectNode) otherOption.get("options")).put("top_k", 10);

        for (ObjectNode changed : List.of(otherSystem, otherPrompt, otherModel, otherOption)) {
            assertThat(client.answer(changed).get("response").stringValue())
                    .as(changed.toString())
                    .isNotEqualTo(base);
        }
    }

    @Test
    void temperatureZeroIsDeterministicAndIgnoresTheSeed() throws Exception {
        ObjectNode request = generate(LLAMA, "Name a color");
        request.putObject("options").put("temperature", 0);
        String first = client.answer(request).get("response").stringValue();
        String again = client.answer(request).get("response").stringValue();
        ((ObjectNode) request.get("options")).put("seed", 99);
        String withSeed = client.answer(request).get("response").stringValue();

        assertThat(again).isEqualTo(first);
        assertThat(withSeed).isEqualTo(first);
    }

    @Test
    void withoutSeedOrTemperatureZeroAnswersAreRandom() throws Exception {
        ObjectNode request = generate(LLAMA, "Name a color");
        request.putObject("options").put("seed", -1); // Ollama's "random seed"

        assertThat(client.answer(request).get("response").stringValue())
                .isNotEqualTo(client.answer(request).get("response").stringValue());
    }

    @Test
    void numPredictCutsTheAnswerWithDoneReasonLength() throws Exception {
        ObjectNode request = generate(LLAMA, "Tell a story");
        request.putObject("options").put("num_predict", 5);

        JsonNode answer = client.answer(request);

        assertThat(answer.get("done_reason").stringValue()).isEqualTo("length");
        assertThat(answer.get("eval_count").intValue()).isEqualTo(5);
        assertThat(answer.get("response").stringValue().split(" ")).hasSize(5);
        assertThat(answer.get("response").stringValue()).doesNotEndWith(".");
    }

    @Test
    void formatJsonAnswersWithJsonText() throws Exception {
        JsonNode answer = client.answer(generate(LLAMA, "Answer in JSON").put("format", "json"));

        JsonNode parsed = JSON.readTree(answer.get("response").stringValue());
        assertThat(parsed.get("answer").stringValue().split(" ")).hasSize(12);
    }

    @Test
    void formatSchemaAnswersWithItsPropertiesAndTypes() throws Exception {
        ObjectNode request = generate(LLAMA, "Describe a product");
        ObjectNode properties =
                request.putObject("format").put("type", "object").putObject("properties");
        properties.putObject("name").put("type", "string");
        properties.putObject("price").put("type", "number");
        properties.putObject("stock").put("type", "integer");
        properties.putObject("available").put("type", "boolean");
        properties.putObject("size").putArray("enum").add("S").add("M");

        JsonNode parsed = JSON.readTree(client.answer(request).get("response").stringValue());

        assertThat(parsed.get("name").isString()).isTrue();
        assertThat(parsed.get("price").isNumber()).isTrue();
        assertThat(parsed.get("stock").isIntegralNumber()).isTrue();
        assertThat(parsed.get("available").isBoolean()).isTrue();
        assertThat(parsed.get("size").stringValue()).isIn("S", "M");
    }

    @Test
    void thinkingModelsThinkUnlessToldNotTo() throws Exception {
        JsonNode thinking = client.answer(generate(QWEN3, "Why is the sky blue?"));
        ObjectNode noThinkRequest = generate(QWEN3, "Why is the sky blue?");
        noThinkRequest.put("think", false);
        JsonNode noThinking = client.answer(noThinkRequest);

        assertThat(thinking.get("thinking").stringValue().split(" ")).hasSize(12);
        assertThat(thinking.get("eval_count").intValue()).isEqualTo(24); // thinking tokens count too
        assertThat(noThinking.has("thinking")).isFalse();
        assertThat(noThinking.get("eval_count").intValue()).isEqualTo(12);
    }

    @Test
    void thinkingCanUseUpTheWholeTokenBudget() throws Exception {
        ObjectNode request = generate(QWEN3, "Why is the sky blue?");
        request.putObject("options").put("num_predict", 8);

        JsonNode answer = client.answer(request);

        assertThat(answer.get("response").stringValue()).isEmpty();
        assertThat(answer.get("thinking").stringValue().split(" ")).hasSize(8);
        assertThat(answer.get("done_reason").stringValue()).isEqualTo("length");
    }

    @Test
    void streamingSendsNdjsonChunksAndAFinalChunkWithMetrics() throws Exception {
        ObjectNode request = generate(LLAMA, "Stream this");
        request.remove("stream"); // Ollama streams by default
        request.putObject("options").put("seed", 5);

        HttpResponse<String> response = client.post("/api/generate", request);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/x-ndjson");
        List<JsonNode> lines = new ArrayList<>();
        for (String line : response.body().split("\n")) {
            lines.add(JSON.readTree(line));
        }
        assertThat(lines).hasSize(13); // one chunk per token, then the final chunk
        JsonNode last = lines.get(lines.size() - 1);
        assertThat(last.get("done").booleanValue()).isTrue();
        assertThat(last.get("done_reason").stringValue()).isEqualTo("stop");
        assertThat(last.get("eval_count").intValue()).isEqualTo(12);
        assertThat(last.get("total_duration").longValue()).isPositive();
        StringBuilder streamed = new StringBuilder();
        for (JsonNode chunk : lines.subList(0, lines.size() - 1)) {
            assertThat(chunk.get("done").booleanValue()).isFalse();
            assertThat(chunk.has("eval_count")).isFalse();
            streamed.append(chunk.get("response").stringValue());
        }
        request.put("stream", false);
        assertThat(streamed.toString())
                .isEqualTo(client.answer(request).get("response").stringValue());
    }

    @Test
    void emptyPromptLoadsTheModelAndKeepAliveZeroUnloadsIt() throws Exception {
        JsonNode load = client.answer(JSON.createObjectNode().put("model", LLAMA));
        ObjectNode unloadRequest =
                JSON.createObjectNode().put("model", LLAMA).put("prompt", "").put("keep_alive", 0);
        JsonNode unload = client.answer(unloadRequest);
        client.answer(JSON.createObjectNode().put("model", LLAMA));

        assertThat(load.get("done_reason").stringValue()).isEqualTo("load");
        assertThat(load.get("response").stringValue()).isEmpty();
        assertThat(load.get("done").booleanValue()).isTrue();
        assertThat(load.has("total_duration")).isFalse();
        assertThat(load.has("eval_count")).isFalse();
        assertThat(unload.get("done_reason").stringValue()).isEqualTo("unload");
        assertThat(simulator.stats().loads()).containsExactly(Map.entry(LLAMA, 2));
    }

    @Test
    void modelNameWithoutTagMeansLatestAndIsEchoedAsSent() throws Exception {
        try (OllamaSimulator latest =
                OllamaSimulator.start(SimulatorTestSettings.instant().withModels(List.of("mistral")))) {
            SimulatorClient latestClient = new SimulatorClient(latest);
            JsonNode tagged = latestClient.answer(generate("mistral:latest", "Hi"));
            JsonNode untagged = latestClient.answer(generate("mistral", "Hi"));

            assertThat(tagged.get("model").stringValue()).isEqualTo("mistral:latest");
            assertThat(untagged.get("model").stringValue()).isEqualTo("mistral");
            assertThat(latest.stats().loads()).containsOnlyKeys("mistral:latest");
        }
    }

    static Stream<Arguments> refusedRequests() {
        String model = "\"model\":\"" + LLAMA + "\",\"prompt\":\"hi\"";
        return Stream.of(
                Arguments.of("", 400, "missing request body"),
                Arguments.of("xyz", 400, "invalid character 'x' looking for beginning of value"),
                Arguments.of("{\"model\":}", 400, "invalid character '}' looking for beginning of value"),
                Arguments.of("{\"model\":\"llama3.2:3b\"", 400, "unexpected EOF"),
                Arguments.of("[1]", 400, "json: cannot unmarshal array into Go value of type api.GenerateRequest"),
                Arguments.of(
                        "{\"model\":\"" + LLAMA + "\",\"prompt\":5}",
                        400,
                        "json: cannot unmarshal number into Go struct field GenerateRequest.prompt of type string"),
                Arguments.of("{\"prompt\":\"hi\"}", 404, "model '' not found"),
                Arguments.of("null", 404, "model '' not found"),
                Arguments.of("{\"model\":\"nope:1b\",\"prompt\":\"hi\"}", 404, "model 'nope:1b' not found"),
                Arguments.of("{" + model + ",\"think\":true}", 400, "\"llama3.2:3b\" does not support thinking"),
                Arguments.of(
                        "{" + model + ",\"think\":\"deep\"}",
                        400,
                        "invalid think value: \"deep\" (must be \"high\", \"medium\", \"low\", \"max\", true, or false)"),
                Arguments.of("{" + model + ",\"keep_alive\":\"3600\"}", 400, "time: missing unit in duration \"3600\""),
                Arguments.of("{" + model + ",\"keep_alive\":true}", 400, "Unsupported type: 'bool'"),
                Arguments.of(
                        "{" + model + ",\"options\":{\"seed\":\"42\"}}",
                        500,
                        "option \"seed\" must be of type integer"),
                Arguments.of(
                        "{" + model + ",\"options\":{\"temperature\":\"hot\"}}",
                        500,
                        "option \"temperature\" must be of type float32"),
                Arguments.of(
                        "{" + model + ",\"options\":{\"stop\":\"\\n\"}}", 500, "option \"stop\" must be of type array"),
                Arguments.of(
                        "{" + model + ",\"options\":{\"stop\":[1]}}",
                        500,
                        "option \"stop\" must be of an array of strings"),
                Arguments.of(
                        "{" + model + ",\"format\":\"yaml\"}",
                        500,
                        "invalid format: \"\\\"yaml\\\"\"; expected \"json\" or a valid JSON Schema object"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("refusedRequests")
    void refusesLikeOllama(String body, int status, String error) throws Exception {
        HttpResponse<String> response = client.post("/api/generate", body);

        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        assertThat(JSON.readTree(response.body()))
                .isEqualTo(JSON.createObjectNode().put("error", error));
    }

    @Test
    void unknownKeysAndOptionsAreIgnored() throws Exception {
        ObjectNode request = generate(LLAMA, "hi").put("unknown_key", 1).put("KEEP_ALIVE", "5m");
        request.putObject("options")
                .put("penalize_newline", true)
                .put("max_tokens", "x")
                .putNull("seed");

        assertThat(client.answer(request).get("done").booleanValue()).isTrue();
    }

    @Test
    void oneConnectionCarriesManyRequestsIncludingRefusedOnes() throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), simulator.port())) {
            socket.setSoTimeout(5000);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            List<String> bodies = List.of(
                    JSON.writeValueAsString(generate(LLAMA, "first")),
                    JSON.writeValueAsString(generate("unknown:1b", "second")),
                    JSON.writeValueAsString(generate(LLAMA, "third")));
            List<Integer> statuses = new ArrayList<>();
            for (String body : bodies) {
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                String head = "POST /api/generate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Content-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n";
                socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().write(bytes);
                socket.getOutputStream().flush();
                statuses.add(readResponseStatus(in));
            }

            assertThat(statuses).containsExactly(200, 404, 200);
        }
    }

    /** Reads one HTTP/1.1 response with a Content-Length body and returns its status. */
    private static int readResponseStatus(InputStream in) throws IOException {
        int status = Integer.parseInt(readLine(in).split(" ")[1]);
        int length = 0;
        for (String header = readLine(in); !header.isEmpty(); header = readLine(in)) {
            if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(
                        header.substring("content-length:".length()).trim());
            }
        }
        assertThat(in.readNBytes(length)).hasSize(length);
        return status;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new EOFException("connection closed after: " + line);
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    @Test
    void unknownPathIsPlainText404AndWrongMethodIs405() throws Exception {
        HttpResponse<String> notFound = client.get("/api/nothing");
        HttpResponse<String> wrongMethod = client.get("/api/generate");

        assertThat(notFound.statusCode()).isEqualTo(404);
        assertThat(notFound.body()).isEqualTo("404 page not found");
        assertThat(notFound.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.body()).isEqualTo("405 method not allowed");
    }

    @Test
    void rootAndVersion() throws Exception {
        assertThat(client.get("/").body()).isEqualTo("Ollama is running");
        assertThat(JSON.readTree(client.get("/api/version").body()))
                .isEqualTo(JSON.createObjectNode().put("version", "0.33.0"));
    }

    @Test
    void tagsListsEveryModelWithOllamasFields() throws Exception {
        JsonNode models = JSON.readTree(client.get("/api/tags").body()).get("models");

        assertThat(models).hasSize(3);
        JsonNode llama = models.get(0);
        assertThat(llama.get("name").stringValue()).isEqualTo(LLAMA);
        assertThat(llama.get("model").stringValue()).isEqualTo(LLAMA);
        assertThat(OffsetDateTime.parse(llama.get("modified_at").stringValue())).isBefore(OffsetDateTime.now());
        assertThat(llama.get("size").longValue()).isPositive();
        assertThat(llama.get("digest").stringValue()).matches("sha256:[0-9a-f]{64}");
        JsonNode details = llama.get("details");
        assertThat(details.get("parent_model").stringValue()).isEmpty();
        assertThat(details.get("format").stringValue()).isEqualTo("gguf");
        assertThat(details.get("family").stringValue()).isEqualTo("llama");
        assertThat(details.get("families").get(0).stringValue()).isEqualTo("llama");
        assertThat(details.get("parameter_size").stringValue()).isEqualTo("3B");
        assertThat(details.get("quantization_level").stringValue()).isEqualTo("Q4_K_M");
        assertThat(llama.get("capabilities").toString()).isEqualTo("[\"completion\"]");
        assertThat(models.get(1).get("capabilities").toString()).isEqualTo("[\"completion\",\"thinking\"]");
    }

    @Test
    void showDescribesAModelOrRefuses() throws Exception {
        JsonNode show = JSON.readTree(
                client.post("/api/show", "{\"model\":\"" + LLAMA + "\"}").body());
        HttpResponse<String> byOldName = client.post("/api/show", "{\"name\":\"" + LLAMA + "\"}");
        HttpResponse<String> unknown = client.post("/api/show", "{\"model\":\"x\"}");
        HttpResponse<String> noName = client.post("/api/show", "{}");

        assertThat(show.get("details").get("family").stringValue()).isEqualTo("llama");
        assertThat(show.get("parameters").stringValue()).contains("temperature");
        assertThat(show.get("model_info").get("llama.context_length").longValue())
                .isPositive();
        assertThat(show.get("capabilities").get(0).stringValue()).isEqualTo("completion");
        assertThat(byOldName.statusCode()).isEqualTo(200);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).isEqualTo("{\"error\":\"model 'x' not found\"}");
        assertThat(noName.statusCode()).isEqualTo(400);
        assertThat(noName.body()).isEqualTo("{\"error\":\"model is required\"}");
    }

    @Test
    void adminEndpointsSetFaultsAndReportAndResetStats() throws Exception {
        HttpResponse<String> configured = client.post(
                "/_simulator/faults", "{\"rates\":{\"SERVICE_UNAVAILABLE\":1.0},\"slowMillis\":250,\"seed\":7}");
        int busy = client.post("/api/generate", generate(LLAMA, "p1")).statusCode();
        client.post("/_simulator/faults", "{\"clear\":true}");
        int served = client.post("/api/generate", generate(LLAMA, "p1")).statusCode();
        JsonNode stats = JSON.readTree(client.get("/_simulator/stats").body());
        JsonNode reset = JSON.readTree(client.post("/_simulator/reset", "").body());

        assertThat(JSON.readTree(configured.body()))
                .isEqualTo(JSON.readTree("{\"rates\":{\"SERVICE_UNAVAILABLE\":1.0},\"slowMillis\":250}"));
        assertThat(busy).isEqualTo(503);
        assertThat(served).isEqualTo(200);
        assertThat(stats.get("generateRequests").longValue()).isEqualTo(2);
        assertThat(stats.get("requestsByPrompt")).isEqualTo(JSON.readTree("{\"p1\":2}"));
        assertThat(stats.get("loads")).isEqualTo(JSON.readTree("{\"llama3.2:3b\":1}"));
        assertThat(stats.get("inFlight").intValue()).isZero();
        assertThat(stats.get("maxInFlight").intValue()).isEqualTo(1);
        assertThat(stats.get("lastAnswerNanos").longValue())
                .isGreaterThan(stats.get("firstRequestNanos").longValue());
        assertThat(reset.get("generateRequests").longValue()).isZero();
        assertThat(reset.get("requestsByPrompt").isEmpty()).isTrue();
        assertThat(simulator.stats().generateRequests()).isZero();
    }

    @Test
    void adminFaultsEndpointRejectsUnknownFaultsAndBadRates() throws Exception {
        HttpResponse<String> unknown = client.post("/_simulator/faults", "{\"rates\":{\"EXPLODE\":0.5}}");
        HttpResponse<String> tooLikely = client.post("/_simulator/faults", "{\"rates\":{\"SLOW\":1.5}}");

        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(tooLikely.statusCode()).isEqualTo(400);
        assertThat(simulator.faults().rates()).isEmpty();
    }

    @Test
    void closeIsIdempotentAndFreesThePort() throws Exception {
        simulator.close();
        simulator.close();

        assertThatThrownBy(() -> client.get("/")).isInstanceOf(IOException.class);
    }
}

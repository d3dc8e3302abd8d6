package dev.promptbatch.simulator;

import static dev.promptbatch.simulator.SimulatorClient.JSON;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The OpenAI-compatible routes over real HTTP: OpenAI's field names and types, Ollama's errors, same answers. */
class SimulatorOpenAiTest {

    private static final String LLAMA = "llama3.2:3b";
    private static final String MINILM = "all-minilm";
    private static final String SCHEMA = """
            {"type": "object",
             "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
             "required": ["city", "population"]}""";

    private OllamaSimulator simulator;
    private SimulatorClient client;

    @BeforeEach
    void start() throws Exception {
        simulator = OllamaSimulator.start(SimulatorTestSettings.instant()
                .withModels(List.of(LLAMA, "myteam/writer:7b", MINILM))
                .withMaxLoadedModels(3)
                .withMedianTokens(12)
                .withLengthSigma(0));
        client = new SimulatorClient(simulator);
    }

    @AfterEach
    void stop() {
        simulator.close();
    }

    private static ObjectNode openAiChat(String model, String prompt, long seed) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model);
        body.putArray("messages")
                .add(JSON.createObjectNode().put("role", "system").put("content", "Be brief."))
                .add(JSON.createObjectNode().put("role", "user").put("content", prompt));
        body.put("seed", seed);
        body.put("temperature", 0.7);
        return body;
    }

    /** The native request the compatibility layer makes of {@link #openAiChat}. */
    private static ObjectNode nativeChat(String model, String prompt, long seed) {
        ObjectNode body = SimulatorChatTest.chat(model, "system", "Be brief.", "user", prompt);
        body.putObject("options").put("seed", seed).put("temperature", 0.7).put("top_p", 1.0);
        return body;
    }

    private JsonNode ok(String path, JsonNode body) throws Exception {
        HttpResponse<String> response = client.post(path, body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        return JSON.readTree(response.body());
    }

    private void assertError(HttpResponse<String> response, int status, String type, String message) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.propertyNames()).containsExactly("error");
        JsonNode error = body.get("error");
        assertThat(error.propertyNames()).containsExactly("message", "type", "param", "code");
        assertThat(error.get("message").stringValue()).isEqualTo(message);
        assertThat(error.get("type").stringValue()).isEqualTo(type);
        assertThat(error.get("param").isNull()).isTrue();
        assertThat(error.get("code").isNull()).isTrue();
    }

    @Test
    void withOpenAiTimingsCompletionsCarryLlamaServersTimingsFromTheNativeDurations() throws Exception {
        simulator.close();
        simulator = OllamaSimulator.start(SimulatorTestSettings.instant()
                .withModels(List.of(LLAMA))
                .withQuirks(ServerQuirks.none().withOpenAiTimings(true)));
        client = new SimulatorClient(simulator);
        ObjectNode completion = JSON.createObjectNode()
                .put("model", LLAMA)
                .put("prompt", "Hello")
                .put("seed", 4);

        for (JsonNode answer :
                List.of(ok("/v1/chat/completions", openAiChat(LLAMA, "Hello", 4)), ok("/v1/completions", completion))) {
            JsonNode timings = answer.get("timings");
            assertThat(timings.propertyNames())
                    .containsExactly(
                            "cache_n",
                            "prompt_n",
                            "prompt_ms",
                            "prompt_per_token_ms",
                            "prompt_per_second",
                            "predicted_n",
                            "predicted_ms",
                            "predicted_per_token_ms",
                            "predicted_per_second");
            long promptN = answer.at("/usage/prompt_tokens").asLong();
            long predictedN = answer.at("/usage/completion_tokens").asLong();
            assertThat(timings.get("cache_n").asInt()).isZero();
            assertThat(timings.get("prompt_n").asLong()).isEqualTo(promptN).isPositive();
            assertThat(timings.get("predicted_n").asLong())
                    .isEqualTo(predictedN)
                    .isPositive();
            // Instant settings report 1 µs a token, as the native durations do.
            assertThat(timings.get("prompt_ms").asDouble()).isEqualTo(promptN / 1000.0);
            assertThat(timings.get("predicted_ms").asDouble()).isEqualTo(predictedN / 1000.0);
            assertThat(timings.get("predicted_per_token_ms").asDouble()).isCloseTo(0.001, within(1e-12));
            assertThat(timings.get("predicted_per_second").asDouble()).isCloseTo(1_000_000.0, within(1e-3));
            assertThat(timings.get("prompt_per_second").asDouble()).isCloseTo(1_000_000.0, within(1e-3));
        }
        assertThat(new SimulatorClient(simulator)
                        .post("/v1/embeddings", JSON.readTree("{\"model\":\"" + LLAMA + "\",\"input\":\"x\"}"))
                        .body())
                .doesNotContain("timings");
    }

    @Test
    void withoutOpenAiTimingsAnswersHaveNone() throws Exception {
        assertThat(ok("/v1/chat/completions", openAiChat(LLAMA, "Hello", 4)).has("timings"))
                .isFalse();
    }

    @Test
    void modelsListsEveryModelWithItsNamespaceAsOwner() throws Exception {
        HttpResponse<String> response = client.get("/v1/models");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.propertyNames()).containsExactly("object", "data");
        assertThat(body.get("object").stringValue()).isEqualTo("list");
        assertThat(body.get("data")).hasSize(3);
        for (JsonNode model : body.get("data")) {
            assertThat(model.propertyNames()).containsExactly("id", "object", "created", "owned_by");
            assertThat(model.get("object").stringValue()).isEqualTo("model");
            assertThat(model.get("created").isIntegralNumber()).isTrue();
            assertThat(model.get("created").longValue())
                    .isBetween(1_700_000_000L, System.currentTimeMillis() / 1000 + 1);
        }
        assertThat(body.get("data").findValuesAsString("id"))
                .containsExactly(LLAMA, "myteam/writer:7b", "all-minilm:latest");
        assertThat(body.get("data").findValuesAsString("owned_by")).containsExactly("library", "myteam", "library");
    }

    @Test
    void oneModelIsAnsweredUnderTheNameAskedFor() throws Exception {
        HttpResponse<String> response = client.get("/v1/models/myteam/writer:7b");
        HttpResponse<String> withoutTag = client.get("/v1/models/all-minilm");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode model = JSON.readTree(response.body());
        assertThat(model.propertyNames()).containsExactly("id", "object", "created", "owned_by");
        assertThat(model.get("id").stringValue()).isEqualTo("myteam/writer:7b");
        assertThat(model.get("object").stringValue()).isEqualTo("model");
        assertThat(model.get("created").isIntegralNumber()).isTrue();
        assertThat(model.get("owned_by").stringValue()).isEqualTo("myteam");
        assertThat(JSON.readTree(withoutTag.body()).get("id").stringValue()).isEqualTo("all-minilm");
        assertError(client.get("/v1/models/nosuch:1b"), 404, "not_found_error", "model 'nosuch:1b' not found");
        assertThat(client.get("/v1/models/").statusCode()).isEqualTo(404);
    }

    @Test
    void chatCompletionHasOpenAisShapeAndTheNativeChatsContent() throws Exception {
        JsonNode answer = ok("/v1/chat/completions", openAiChat(LLAMA, "Write a haiku about autumn", 42));

        assertThat(answer.propertyNames())
                .containsExactly("id", "object", "created", "model", "system_fingerprint", "choices", "usage");
        assertThat(answer.get("id").stringValue()).matches("chatcmpl-\\d{1,3}");
        assertThat(answer.get("object").stringValue()).isEqualTo("chat.completion");
        assertThat(answer.get("created").isIntegralNumber()).isTrue();
        assertThat(answer.get("model").stringValue()).isEqualTo(LLAMA);
        assertThat(answer.get("system_fingerprint").stringValue()).isEqualTo("fp_ollama");
        assertThat(answer.get("choices")).hasSize(1);
        JsonNode choice = answer.get("choices").get(0);
        assertThat(choice.propertyNames()).containsExactly("index", "message", "finish_reason");
        assertThat(choice.get("index").intValue()).isZero();
        assertThat(choice.get("message").propertyNames()).containsExactly("role", "content");
        assertThat(choice.get("message").get("role").stringValue()).isEqualTo("assistant");
        String content = choice.get("message").get("content").stringValue();
        assertThat(content.split(" ")).hasSize(12);
        assertThat(choice.get("finish_reason").stringValue()).isEqualTo("stop");
        JsonNode usage = answer.get("usage");
        assertThat(usage.propertyNames()).containsExactly("prompt_tokens", "completion_tokens", "total_tokens");
        assertThat(usage.get("completion_tokens").intValue()).isEqualTo(12);
        assertThat(usage.get("prompt_tokens").intValue()).isPositive();
        assertThat(usage.get("total_tokens").intValue())
                .isEqualTo(usage.get("prompt_tokens").intValue() + 12);

        JsonNode again = ok("/v1/chat/completions", openAiChat(LLAMA, "Write a haiku about autumn", 42));
        JsonNode viaNative = ok("/api/chat", nativeChat(LLAMA, "Write a haiku about autumn", 42));
        JsonNode otherSeed = ok("/v1/chat/completions", openAiChat(LLAMA, "Write a haiku about autumn", 43));
        assertThat(again.at("/choices/0/message/content").stringValue()).isEqualTo(content);
        assertThat(viaNative.at("/message/content").stringValue()).isEqualTo(content);
        assertThat(viaNative.get("prompt_eval_count").intValue())
                .isEqualTo(usage.get("prompt_tokens").intValue());
        assertThat(otherSeed.at("/choices/0/message/content").stringValue()).isNotEqualTo(content);
    }

    @Test
    void maxTokensCutsTheAnswerWithFinishReasonLength() throws Exception {
        ObjectNode request = openAiChat(LLAMA, "Tell a long story", 5);
        request.put("max_tokens", 4);

        JsonNode answer = ok("/v1/chat/completions", request);

        assertThat(answer.at("/choices/0/finish_reason").stringValue()).isEqualTo("length");
        assertThat(answer.at("/usage/completion_tokens").intValue()).isEqualTo(4);
        assertThat(answer.at("/choices/0/message/content").stringValue().split(" "))
                .hasSize(4);
    }

    @Test
    void responseFormatAsksForTheSameStructuredAnswerAsNativeFormat() throws Exception {
        JsonNode schema = JSON.readTree(SCHEMA);
        ObjectNode withSchema = openAiChat(LLAMA, "A city, as JSON", 9);
        withSchema
                .putObject("response_format")
                .put("type", "json_schema")
                .putObject("json_schema")
                .put("name", "city")
                .set("schema", schema);
        ObjectNode nativeWithSchema = nativeChat(LLAMA, "A city, as JSON", 9);
        nativeWithSchema.set("format", schema);
        ObjectNode jsonObject = openAiChat(LLAMA, "A city, as JSON", 9);
        jsonObject.putObject("response_format").put("type", "json_object");

        String content = ok("/v1/chat/completions", withSchema)
                .at("/choices/0/message/content")
                .stringValue();
        JsonNode city = JSON.readTree(content);
        assertThat(city.propertyNames()).contains("city", "population");
        assertThat(city.get("city").isString()).isTrue();
        assertThat(city.get("population").isIntegralNumber()).isTrue();
        assertThat(ok("/api/chat", nativeWithSchema).at("/message/content").stringValue())
                .isEqualTo(content);
        assertThat(JSON.readTree(ok("/v1/chat/completions", jsonObject)
                                .at("/choices/0/message/content")
                                .stringValue())
                        .isObject())
                .isTrue();
    }

    @Test
    void errorsHaveOpenAisShapeWithOllamasMessages() throws Exception {
        assertError(
                client.post("/v1/chat/completions", openAiChat("nosuch:1b", "Hi", 1)),
                404,
                "not_found_error",
                "model 'nosuch:1b' not found");
        ObjectNode empty = openAiChat(LLAMA, "Hi", 1);
        empty.putArray("messages");
        assertError(
                client.post("/v1/chat/completions", empty),
                400,
                "invalid_request_error",
                "[] is too short - 'messages'");
        assertError(
                client.post("/v1/chat/completions", openAiChat(MINILM, "Hi", 1)),
                400,
                "invalid_request_error",
                "\"all-minilm\" does not support chat");
        ObjectNode imageUrl = openAiChat(LLAMA, "Hi", 1);
        imageUrl.withArray("messages")
                .addObject()
                .put("role", "user")
                .putArray("content")
                .addObject()
                .put("type", "image_url")
                .putObject("image_url")
                .put("url", "https://example.com/cat.png");
        assertError(
                client.post("/v1/chat/completions", imageUrl),
                400,
                "invalid_request_error",
                "image URLs are not currently supported, please use base64 encoded data instead");
        simulator.faults().rate(Fault.INTERNAL_ERROR, 1.0);
        assertError(
                client.post("/v1/chat/completions", openAiChat(LLAMA, "Hi", 1)),
                500,
                "api_error",
                FaultAnswers.RUNNER_STOPPED);
    }

    @Test
    void completionAnswersThePromptAsNativeGenerateDoes() throws Exception {
        ObjectNode request = JSON.createObjectNode();
        request.put("model", LLAMA);
        request.put("prompt", "Name three rivers");
        request.put("seed", 11);
        request.put("temperature", 0.2);
        ObjectNode nativeRequest = SimulatorClient.generate(LLAMA, "Name three rivers");
        nativeRequest
                .putObject("options")
                .put("seed", 11)
                .put("temperature", 0.2)
                .put("top_p", 1.0)
                .put("frequency_penalty", 0)
                .put("presence_penalty", 0);

        JsonNode answer = ok("/v1/completions", request);

        assertThat(answer.propertyNames())
                .containsExactly("id", "object", "created", "model", "system_fingerprint", "choices", "usage");
        assertThat(answer.get("id").stringValue()).matches("cmpl-\\d{1,3}");
        assertThat(answer.get("object").stringValue()).isEqualTo("text_completion");
        assertThat(answer.get("created").isIntegralNumber()).isTrue();
        assertThat(answer.get("model").stringValue()).isEqualTo(LLAMA);
        JsonNode choice = answer.get("choices").get(0);
        assertThat(answer.get("choices")).hasSize(1);
        assertThat(choice.propertyNames()).containsExactly("text", "index", "finish_reason");
        assertThat(choice.get("index").intValue()).isZero();
        assertThat(choice.get("finish_reason").stringValue()).isEqualTo("stop");
        assertThat(choice.get("text").stringValue())
                .isEqualTo(client.answer(nativeRequest).get("response").stringValue());
        assertThat(answer.get("usage").propertyNames())
                .containsExactly("prompt_tokens", "completion_tokens", "total_tokens");
        assertThat(answer.at("/usage/completion_tokens").intValue()).isEqualTo(12);

        ObjectNode arrayPrompt = request.deepCopy();
        arrayPrompt.putArray("prompt").add("a").add("b");
        assertError(
                client.post("/v1/completions", arrayPrompt),
                400,
                "invalid_request_error",
                "json: cannot unmarshal array into Go struct field CompletionRequest.prompt of type string");
        ObjectNode numberStop = request.deepCopy();
        numberStop.putArray("stop").add("x").add(3);
        assertError(
                client.post("/v1/completions", numberStop),
                400,
                "invalid_request_error",
                "invalid type for 'stop' field: float64");
    }

    @Test
    void embeddingsAreTheNativeVectorsInOpenAisList() throws Exception {
        ObjectNode request = JSON.createObjectNode();
        request.put("model", MINILM);
        request.putArray("input").add("first text").add("second text");
        ObjectNode nativeRequest = JSON.createObjectNode();
        nativeRequest.put("model", MINILM);
        nativeRequest.putArray("input").add("first text").add("second text");

        JsonNode answer = ok("/v1/embeddings", request);
        JsonNode vectors = ok("/api/embed", nativeRequest).get("embeddings");

        assertThat(answer.propertyNames()).containsExactly("object", "data", "model", "usage");
        assertThat(answer.get("object").stringValue()).isEqualTo("list");
        assertThat(answer.get("model").stringValue()).isEqualTo(MINILM);
        assertThat(answer.get("data")).hasSize(2);
        for (int i = 0; i < 2; i++) {
            JsonNode item = answer.get("data").get(i);
            assertThat(item.propertyNames()).containsExactly("object", "embedding", "index");
            assertThat(item.get("object").stringValue()).isEqualTo("embedding");
            assertThat(item.get("index").intValue()).isEqualTo(i);
            assertThat(item.get("embedding")).hasSize(384);
            assertThat(item.get("embedding")).isEqualTo(vectors.get(i));
        }
        JsonNode usage = answer.get("usage");
        assertThat(usage.propertyNames()).containsExactly("prompt_tokens", "total_tokens");
        assertThat(usage.get("prompt_tokens").intValue()).isPositive();
        assertThat(usage.get("total_tokens").intValue())
                .isEqualTo(usage.get("prompt_tokens").intValue());
    }

    @Test
    void embeddingsTakeOneStringDimensionsAndBase64() throws Exception {
        ObjectNode request = JSON.createObjectNode();
        request.put("model", MINILM);
        request.put("input", "one text");
        request.put("dimensions", 8);
        ObjectNode nativeRequest = JSON.createObjectNode();
        nativeRequest.put("model", MINILM);
        nativeRequest.put("input", "one text");
        nativeRequest.put("dimensions", 8);
        JsonNode vector = ok("/api/embed", nativeRequest).at("/embeddings/0");

        JsonNode floats = ok("/v1/embeddings", request);
        request.put("encoding_format", "base64");
        JsonNode base64 = ok("/v1/embeddings", request);

        assertThat(floats.get("data")).hasSize(1);
        assertThat(floats.at("/data/0/embedding")).isEqualTo(vector);
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(java.util.Base64.getDecoder()
                        .decode(base64.at("/data/0/embedding").stringValue()))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertThat(bytes.remaining()).isEqualTo(8 * Float.BYTES);
        for (int i = 0; i < 8; i++) {
            assertThat(bytes.getFloat()).isEqualTo(vector.get(i).floatValue());
        }

        request.put("encoding_format", "int8");
        assertError(
                client.post("/v1/embeddings", request),
                400,
                "invalid_request_error",
                "Invalid value for 'encoding_format' = int8. Supported values: ['float', 'base64'].");
        request.remove("encoding_format");
        request.putArray("input");
        assertError(client.post("/v1/embeddings", request), 400, "invalid_request_error", "invalid input");
        request.put("model", LLAMA);
        request.put("input", "one text");
        request.remove("dimensions");
        assertError(
                client.post("/v1/embeddings", request),
                501,
                "api_error",
                "{\"error\":{\"code\":501,\"message\":\"This server does not support embeddings. Start it with "
                        + "`--embeddings`\",\"type\":\"not_supported_error\"}}");
    }

    @Test
    void withAKeyEveryV1RouteButTheModelListWantsItAsBearerToken() throws Exception {
        simulator.close();
        simulator = OllamaSimulator.start(SimulatorTestSettings.instant()
                .withModels(List.of(LLAMA, MINILM))
                .withMaxLoadedModels(2)
                .withApiKey("sk-local-1"));
        client = new SimulatorClient(simulator);
        ObjectNode embedding = JSON.createObjectNode().put("model", MINILM).put("input", "text");
        ObjectNode completion = JSON.createObjectNode().put("model", LLAMA).put("prompt", "Hi");
        String expected =
                "{\"error\":{\"code\":401,\"message\":\"Invalid API Key\",\"type\":\"authentication_error\"}}";

        for (String authorization : new String[] {null, "Bearer sk-wrong", "sk-local-1", "Bearer sk-local-12"}) {
            assertThat(client.send("GET", "/v1/models", null, authorization).statusCode())
                    .as("llama-server's model list is open to anyone")
                    .isEqualTo(200);
            List<HttpResponse<String>> refused = List.of(
                    client.send(
                            "POST",
                            "/v1/chat/completions",
                            openAiChat(LLAMA, "Hi", 1).toString(),
                            authorization),
                    client.send("POST", "/v1/completions", completion.toString(), authorization),
                    client.send("POST", "/v1/embeddings", embedding.toString(), authorization));
            for (HttpResponse<String> response : refused) {
                assertThat(response.statusCode())
                        .as(response.uri() + " " + authorization)
                        .isEqualTo(401);
                assertThat(response.body()).isEqualTo(expected);
            }
        }
        String key = "Bearer sk-local-1";
        assertThat(client.send("GET", "/v1/models", null, key).statusCode()).isEqualTo(200);
        assertThat(client.send(
                                "POST",
                                "/v1/chat/completions",
                                openAiChat(LLAMA, "Hi", 1).toString(),
                                key)
                        .statusCode())
                .isEqualTo(200);
        assertThat(client.send("POST", "/v1/completions", completion.toString(), key)
                        .statusCode())
                .isEqualTo(200);
        assertThat(client.send("POST", "/v1/embeddings", embedding.toString(), key)
                        .statusCode())
                .isEqualTo(200);
        assertThat(client.get("/api/tags").statusCode())
                .as("the native API has no key")
                .isEqualTo(200);
        assertThat(simulator.stats().chatRequests()).isEqualTo(1);
    }

    @Test
    void unavailableWhileLoadingAnswers503UntilTheModelAtStartIsLoaded() throws Exception {
        simulator.close();
        simulator = OllamaSimulator.start(SimulatorTestSettings.instant()
                .withModels(List.of(LLAMA, MINILM))
                .withLoadMillis(3000)
                .withQuirks(ServerQuirks.none().withUnavailableWhileLoading(true)));
        client = new SimulatorClient(simulator);
        ObjectNode embedding = JSON.createObjectNode().put("model", MINILM).put("input", "text");
        ObjectNode completion = JSON.createObjectNode().put("model", LLAMA).put("prompt", "Hi");
        String loading = "{\"error\":{\"code\":503,\"message\":\"Loading model\",\"type\":\"unavailable_error\"}}";

        for (HttpResponse<String> response : List.of(
                client.post("/v1/chat/completions", openAiChat(LLAMA, "Hi", 1)),
                client.post("/v1/completions", completion),
                client.post("/v1/embeddings", embedding))) {
            assertThat(response.statusCode()).as(response.uri().toString()).isEqualTo(503);
            assertThat(response.body()).isEqualTo(loading);
        }
        assertThat(client.get("/v1/models").statusCode()).isEqualTo(200);
        assertThat(simulator.stats().chatRequests()).isZero();

        // A native request waits for the load, as Ollama's do; after it the /v1 routes answer.
        assertThat(client.answer(SimulatorClient.generate(LLAMA, "Hi"))
                        .get("done")
                        .booleanValue())
                .isTrue();
        assertThat(simulator.stats().loads()).containsEntry(LLAMA, 1);
        JsonNode answer = ok("/v1/chat/completions", openAiChat(LLAMA, "Hi", 1));
        assertThat(answer.at("/choices/0/finish_reason").stringValue()).isEqualTo("stop");
    }

    @Test
    void faultsReachTheClientAsThroughOllamasCompatibilityLayer() throws Exception {
        ObjectNode request = openAiChat(LLAMA, "Hi", 1);

        simulator.faults().rate(Fault.SERVICE_UNAVAILABLE, 1.0);
        assertError(client.post("/v1/chat/completions", request), 503, "api_error", FaultAnswers.SERVER_BUSY);
        simulator.faults().clear();
        simulator.faults().rate(Fault.DROP_CONNECTION, 1.0);
        assertThatThrownBy(() -> client.post("/v1/chat/completions", request)).isInstanceOf(IOException.class);
        simulator.faults().clear();
        simulator.faults().rate(Fault.TRUNCATED_BODY, 1.0);
        assertThatThrownBy(() -> client.post("/v1/chat/completions", request)).isInstanceOf(IOException.class);
        simulator.faults().clear();
        simulator.faults().rate(Fault.BAD_GATEWAY, 1.0);
        HttpResponse<String> proxy = client.post("/v1/chat/completions", request);
        assertThat(proxy.statusCode()).isEqualTo(502);
        assertThat(proxy.body()).contains("<h1>502 Bad Gateway</h1>");
        simulator.faults().clear();
        simulator.faults().rate(Fault.NOT_DONE, 1.0);
        JsonNode unfinished = ok("/v1/chat/completions", request);
        assertThat(unfinished.at("/choices/0/finish_reason").isNull()).isTrue();
        assertThat(unfinished.at("/usage/completion_tokens").intValue()).isZero();
        simulator.faults().clear();

        assertThat(ok("/v1/chat/completions", request)
                        .at("/choices/0/finish_reason")
                        .stringValue())
                .isEqualTo("stop");
    }

    @Test
    void partsOfAMessageAreNativeMessagesOfTheirOwn() throws Exception {
        String png = java.util.Base64.getEncoder().encodeToString(new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        ObjectNode request = JSON.createObjectNode();
        request.put("model", "gemma3:4b");
        request.put("seed", 3);
        ObjectNode message = request.putArray("messages").addObject().put("role", "user");
        message.putArray("content")
                .add(JSON.createObjectNode().put("type", "text").put("text", "What is in this picture?"))
                .add(JSON.createObjectNode()
                        .put("type", "image_url")
                        .set("image_url", JSON.createObjectNode().put("url", "data:image/png;base64," + png)));
        ObjectNode nativeRequest = SimulatorChatTest.chat("gemma3:4b", "user", "What is in this picture?");
        nativeRequest
                .withArray("messages")
                .addObject()
                .put("role", "user")
                .putArray("images")
                .add(png);
        nativeRequest
                .putObject("options")
                .put("seed", 3)
                .put("temperature", 1.0)
                .put("top_p", 1.0);
        simulator.close();
        simulator = OllamaSimulator.start(SimulatorTestSettings.instant()
                .withModels(List.of("gemma3:4b", LLAMA))
                .withMedianTokens(12)
                .withLengthSigma(0));
        client = new SimulatorClient(simulator);

        String content = ok("/v1/chat/completions", request)
                .at("/choices/0/message/content")
                .stringValue();

        assertThat(content)
                .isEqualTo(ok("/api/chat", nativeRequest).at("/message/content").stringValue());
        request.put("model", LLAMA);
        HttpResponse<String> blind = client.post("/v1/chat/completions", request);
        assertThat(blind.statusCode()).isEqualTo(500);
        assertThat(JSON.readTree(blind.body()).at("/error/type").stringValue()).isEqualTo("api_error");
        ((ObjectNode) message.get("content").get(1).get("image_url")).put("url", "data:image/gif;base64," + png);
        assertError(client.post("/v1/chat/completions", request), 400, "invalid_request_error", "invalid image input");
    }
}

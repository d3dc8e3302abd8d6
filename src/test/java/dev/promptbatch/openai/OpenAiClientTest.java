package dev.promptbatch.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.promptbatch.ollama.ChatRequest;
import dev.promptbatch.ollama.EmbedRequest;
import dev.promptbatch.ollama.FailureClass;
import dev.promptbatch.ollama.GenerateRequest;
import dev.promptbatch.ollama.ModelInfo;
import dev.promptbatch.ollama.OllamaException;
import dev.promptbatch.ollama.ServerAddress;
import dev.promptbatch.outcome.EmbedResponse;
import dev.promptbatch.outcome.GenerateResponse;

/**
 * The client against a loopback server that answers with exactly the bodies OpenAI-compatible servers send (vLLM's,
 * llama-server's and Ollama's /v1, from the wire reference), and records what the client sent.
 */
class OpenAiClientTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String PNG =
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";

    private HttpServer server;
    private final AtomicReference<String> path = new AtomicReference<>();
    private final AtomicReference<String> requestBody = new AtomicReference<>();
    private final AtomicReference<String> authorization = new AtomicReference<>();
    private volatile int status = 200;
    private volatile String answer = "";
    private volatile String retryAfter;
    private OpenAiClient client;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            path.set(exchange.getRequestURI().getPath());
            requestBody.set(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            authorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
            if (retryAfter != null) {
                exchange.getResponseHeaders().set("Retry-After", retryAfter);
            }
            byte[] body = answer.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        ServerAddress address =
                ServerAddress.resolve("http://127.0.0.1:" + server.getAddress().getPort(), null, Map.of());
        client = new OpenAiClient(
                address, ApiKey.fromEnvironment("TOKEN", Map.of("TOKEN", "sk-abc")), Duration.ofSeconds(5), 1);
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private JsonNode sent() {
        return JSON.readTree(requestBody.get());
    }

    @Test
    void aGenerateRequestIsACompletionWithTheMappedOptionsAndAJsonSchemaAsResponseFormat() {
        answer = """
                {"choices":[{"text":"{\\"a\\":1}","index":0,"logprobs":null,"finish_reason":"stop"}],
                 "created":1,"model":"m","object":"text_completion",
                 "usage":{"completion_tokens":7,"prompt_tokens":12,"total_tokens":19,
                          "prompt_tokens_details":{"cached_tokens":4}},
                 "id":"chatcmpl-x",
                 "timings":{"cache_n":4,"prompt_n":8,"prompt_ms":12.5,"prompt_per_token_ms":1.5625,
                            "prompt_per_second":640.0,"predicted_n":7,"predicted_ms":70.25,
                            "predicted_per_token_ms":10.0357,"predicted_per_second":99.64}}""";
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("num_predict", 50);
        options.put("temperature", 0.1);
        options.put("top_p", 0.9);
        options.put("seed", 3);
        options.put("stop", List.of("\n"));
        options.put("presence_penalty", 0.5);
        options.put("frequency_penalty", 0.25);
        Map<String, Object> schema = Map.of("type", "object");

        GenerateResponse response =
                client.answer(new GenerateRequest("m", "Say it.", null, options, schema, null, "5m", null));

        assertThat(path.get()).isEqualTo("/v1/completions");
        assertThat(authorization.get()).isEqualTo("Bearer sk-abc");
        assertThat(sent()).isEqualTo(JSON.readTree("""
                        {"model":"m","prompt":"Say it.","stream":false,"max_tokens":50,"temperature":0.1,"top_p":0.9,
                         "seed":3,"stop":["\\n"],"presence_penalty":0.5,"frequency_penalty":0.25,
                         "response_format":{"type":"json_schema",
                                            "json_schema":{"name":"output","schema":{"type":"object"},"strict":true}}}"""));
        assertThat(response)
                .isEqualTo(new GenerateResponse(
                        "{\"a\":1}", null, "stop", 12L, 7L, 12_500_000L + 70_250_000L, null, 12_500_000L, 70_250_000L));
        assertThat(client.durations()).isEqualTo("server");
    }

    @Test
    void aChatRequestSendsImagesAsDataUriPartsAndJsonAsJsonObjectAndReadsTheReasoning() {
        answer = """
                {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"A dot.","reasoning_content":"Hm."},
                             "logprobs":null,"finish_reason":"length","stop_reason":null}],
                 "usage":{"prompt_tokens":20,"total_tokens":23,"completion_tokens":3}}""";

        GenerateResponse response = client.answer(new ChatRequest(
                "m",
                List.of(
                        new ChatRequest.Message("system", "Be brief.", null),
                        new ChatRequest.Message("user", "What is it?", List.of(PNG))),
                Map.of("seed", 1),
                "json",
                null,
                null));

        assertThat(path.get()).isEqualTo("/v1/chat/completions");
        assertThat(sent()).isEqualTo(JSON.readTree("""
                        {"model":"m","messages":[{"role":"system","content":"Be brief."},
                          {"role":"user","content":[{"type":"text","text":"What is it?"},
                            {"type":"image_url","image_url":{"url":"data:image/png;base64,%s"}}]}],
                         "stream":false,"seed":1,"response_format":{"type":"json_object"}}""".formatted(PNG)));
        assertThat(response)
                .isEqualTo(new GenerateResponse("A dot.", "Hm.", "length", 20L, 3L, null, null, null, null));
        assertThat(client.durations()).isEqualTo("none");
    }

    @Test
    void aBatchBodyIsSentAsItIsWithTheRunsModelNoStreamingAndTheRequestsSeed() {
        answer = """
                {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":2,"total_tokens":3,"completion_tokens":1}}""";
        JsonNode body = JSON.readTree("""
                {"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi"}],"stream":true,"seed":1,
                 "max_completion_tokens":9,"logit_bias":{"50256":-100}}""");
        ChatRequest request = new ChatRequest(
                "llama3.2:3b",
                List.of(new ChatRequest.Message("user", "Hi", null)),
                Map.of("seed", 1),
                null,
                null,
                null,
                body);

        client.answer(request.withSeed(2));

        assertThat(sent()).isEqualTo(JSON.readTree("""
                        {"model":"llama3.2:3b","messages":[{"role":"user","content":"Hi"}],"stream":false,"seed":2,
                         "max_completion_tokens":9,"logit_bias":{"50256":-100}}"""));
        assertThat(body.get("model").asString())
                .as("the request's body is not changed")
                .isEqualTo("gpt-4o-mini");
    }

    @Test
    void anAnswerWithoutAChoiceTextOrFinishReasonIsBrokenAndMaySucceedAgain() {
        for (String broken : List.of(
                "{\"choices\":[]}",
                "{\"choices\":[{\"index\":0,\"finish_reason\":\"stop\"}]}",
                "{\"choices\":[{\"index\":0,\"text\":\"cut\",\"finish_reason\":null}]}")) {
            answer = broken;
            OllamaException e = catchThrowableOfType(
                    OllamaException.class,
                    () -> client.answer(new GenerateRequest("m", "p", null, Map.of(), null, null, null, null)));
            assertThat(e.failureClass()).as(broken).isEqualTo(FailureClass.TRANSIENT);
        }
    }

    @Test
    void anEmbedRequestSendsTheInputsAsOneListAndOrdersTheVectorsByIndex() {
        answer = """
                {"id":"embd-1","object":"list","created":1,"model":"e",
                 "data":[{"index":1,"object":"embedding","embedding":[0.0,1.0]},
                         {"index":0,"object":"embedding","embedding":[1.0,0.0]}],
                 "usage":{"prompt_tokens":6,"total_tokens":6}}""";

        EmbedResponse response = client.embed(new EmbedRequest("e", List.of("a", "b"), 2, null, null, "5m"));

        assertThat(path.get()).isEqualTo("/v1/embeddings");
        assertThat(sent())
                .isEqualTo(JSON.readTree(
                        "{\"model\":\"e\",\"input\":[\"a\",\"b\"],\"dimensions\":2,\"encoding_format\":\"float\"}"));
        assertThat(response.embeddings()).extracting(JsonNode::toString).containsExactly("[1.0,0.0]", "[0.0,1.0]");
        assertThat(response.promptEvalCount()).isEqualTo(6);
        assertThat(response.totalDuration()).isNull();

        answer = "{\"object\":\"list\",\"data\":[{\"index\":0,\"embedding\":[1.0]}],\"usage\":{}}";
        OllamaException e = catchThrowableOfType(
                OllamaException.class,
                () -> client.embed(new EmbedRequest("e", List.of("a", "b"), null, null, null, null)));
        assertThat(e.getMessage()).isEqualTo("the answer has 1 embeddings for 2 inputs");
    }

    @Test
    void theModelsAreTheIdsOfV1ModelsAndDataNullIsNone() {
        answer = """
                {"object":"list","data":[{"id":"Qwen/Qwen2.5-1.5B-Instruct","object":"model","created":1,
                 "owned_by":"vllm","root":"Qwen/Qwen2.5-1.5B-Instruct","parent":null,"max_model_len":32768}]}""";
        assertThat(client.models()).extracting(ModelInfo::name).containsExactly("Qwen/Qwen2.5-1.5B-Instruct");
        assertThat(path.get()).isEqualTo("/v1/models");
        assertThat(client.version()).isNull();

        answer = "{\"object\":\"list\",\"data\":null}";
        assertThat(client.models()).isEmpty();
    }

    @Test
    void errorBodiesOfEveryShapeAreReadAndClassified() {
        status = 503;
        retryAfter = "3";
        answer = "{\"error\":{\"code\":503,\"message\":\"Loading model\",\"type\":\"unavailable_error\"}}";
        OllamaException loading = failure();
        assertThat(loading.failureClass()).isEqualTo(FailureClass.BUSY);
        assertThat(loading.retryAfter()).isEqualTo(Duration.ofSeconds(3));
        assertThat(loading.getMessage()).isEqualTo("HTTP 503: Loading model");

        retryAfter = null;
        status = 400;
        answer = "{\"object\":\"error\",\"message\":\"This model's maximum context length is 2048 tokens.\","
                + "\"type\":\"BadRequestError\",\"param\":null,\"code\":400}";
        OllamaException flat = failure();
        assertThat(flat.failureClass()).isEqualTo(FailureClass.REJECTED);
        assertThat(flat.getMessage()).isEqualTo("HTTP 400: This model's maximum context length is 2048 tokens.");

        status = 401;
        answer = "{\"error\":{\"code\":401,\"message\":\"Invalid API Key\",\"type\":\"authentication_error\"}}";
        assertThat(failure().failureClass()).isEqualTo(FailureClass.DENIED);

        status = 429;
        answer = "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"param\":null,"
                + "\"code\":\"rate_limit_exceeded\"}}";
        assertThat(failure().failureClass()).isEqualTo(FailureClass.BUSY);

        status = 422;
        answer = "{\"detail\":[{\"loc\":[\"body\",\"model\"],\"msg\":\"Field required\",\"type\":\"missing\"}]}";
        assertThat(failure().failureClass()).isEqualTo(FailureClass.REJECTED);

        status = 500;
        answer = "{\"error\":{\"code\":500,\"message\":\"input is too large to process. increase the physical batch "
                + "size\",\"type\":\"server_error\"}}";
        assertThat(failure().failureClass()).isEqualTo(FailureClass.TRANSIENT);
    }

    private OllamaException failure() {
        return catchThrowableOfType(
                OllamaException.class,
                () -> client.answer(new GenerateRequest("m", "p", null, Map.of(), null, null, null, null)));
    }
}

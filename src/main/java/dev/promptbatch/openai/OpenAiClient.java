package dev.promptbatch.openai;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import dev.promptbatch.ollama.ChatRequest;
import dev.promptbatch.ollama.EmbedRequest;
import dev.promptbatch.ollama.FailureClass;
import dev.promptbatch.ollama.GenerateRequest;
import dev.promptbatch.ollama.HttpTransport;
import dev.promptbatch.ollama.ModelInfo;
import dev.promptbatch.ollama.ModelRequest;
import dev.promptbatch.ollama.OllamaException;
import dev.promptbatch.ollama.ServerAddress;
import dev.promptbatch.ollama.ServerClient;
import dev.promptbatch.outcome.EmbedResponse;
import dev.promptbatch.outcome.GenerateResponse;

/**
 * An OpenAI-compatible server (vLLM, llama.cpp's llama-server, LM Studio, Ollama's {@code /v1}): generate requests
 * go to {@code POST /v1/completions}, chat requests to {@code POST /v1/chat/completions}, embed requests to
 * {@code POST /v1/embeddings}, the models come from {@code GET /v1/models}. The options are mapped as
 * {@link OpenAiOptions} says (the spec was checked against it before the run); a request read from an OpenAI Batch
 * line is sent as that line's body, with the run's model and seed.
 *
 * <p>Statistics: {@code usage} gives the token counts and {@code finish_reason} the done reason; durations come only
 * from llama.cpp's {@code timings} extension, else they are null and tokens/s come from the latency measured here.
 * These servers load their models themselves: no load request is sent, and a 503 "Loading model" is a busy server.
 */
public final class OpenAiClient implements ServerClient {
    private static final long NANOS_PER_MS = 1_000_000L;

    private final HttpTransport http;
    private final Duration timeout;
    private final boolean keyed;
    private final AtomicLong timed = new AtomicLong();
    private final AtomicLong untimed = new AtomicLong();

    /** @param key the bearer token, or null for a server that takes none */
    public OpenAiClient(ServerAddress address, ApiKey key, Duration timeout, int connections) {
        this.http = new HttpTransport(address.baseUrl(), key == null ? null : key.bearer(), connections);
        this.timeout = timeout;
        this.keyed = key != null;
    }

    @Override
    public String api() {
        return "openai";
    }

    @Override
    public GenerateResponse answer(ModelRequest request) {
        return request instanceof ChatRequest chat ? chat(chat) : complete((GenerateRequest) request);
    }

    private GenerateResponse complete(GenerateRequest request) {
        ObjectNode body = request.batchBody() != null ? asSent(request) : HttpTransport.JSON.createObjectNode();
        if (request.batchBody() == null) {
            body.put("model", request.model());
            body.put("prompt", request.prompt());
            putCommon(body, request.options(), request.format());
        }
        JsonNode answer = HttpTransport.parse(http.post("/v1/completions", body, timeout));
        JsonNode choice = firstChoice(answer);
        if (!choice.path("text").isString()) {
            throw OllamaException.brokenAnswer("the answer's choice has no text");
        }
        return response(answer, choice, choice.get("text").asString(), null);
    }

    private GenerateResponse chat(ChatRequest request) {
        ObjectNode body = request.batchBody() != null ? asSent(request) : HttpTransport.JSON.createObjectNode();
        if (request.batchBody() == null) {
            body.put("model", request.model());
            ArrayNode messages = body.putArray("messages");
            for (ChatRequest.Message message : request.messages()) {
                ObjectNode sent = messages.addObject();
                sent.put("role", message.role());
                if (message.images() == null) {
                    sent.put("content", message.content());
                } else {
                    ArrayNode parts = sent.putArray("content");
                    parts.addObject().put("type", "text").put("text", message.content());
                    for (String image : message.images()) {
                        parts.addObject()
                                .put("type", "image_url")
                                .putObject("image_url")
                                .put("url", DataUri.of(image));
                    }
                }
            }
            putCommon(body, request.options(), request.format());
        }
        JsonNode answer = HttpTransport.parse(http.post("/v1/chat/completions", body, timeout));
        JsonNode choice = firstChoice(answer);
        JsonNode message = choice.path("message");
        if (!message.path("content").isString()) {
            throw OllamaException.brokenAnswer("the answer's message has no content");
        }
        String thinking = text(message, "reasoning_content");
        return response(
                answer,
                choice,
                message.get("content").asString(),
                thinking != null ? thinking : text(message, "reasoning"));
    }

    /**
     * An OpenAI Batch line's body as it is, but with the run's model, without streaming, and with the request's seed
     * when it has one: a re-ask under a {@code format} changes it.
     */
    private static ObjectNode asSent(ModelRequest request) {
        ObjectNode body = (ObjectNode) request.batchBody().deepCopy();
        body.put("model", request.model());
        body.put("stream", false);
        Object seed = request.options() == null ? null : request.options().get("seed");
        if (seed instanceof Number number) {
            body.put("seed", number.longValue());
        }
        return body;
    }

    private static void putCommon(ObjectNode body, Map<String, Object> options, Object format) {
        body.put("stream", false);
        OpenAiOptions.map(options).forEach((key, value) -> body.set(key, HttpTransport.JSON.valueToTree(value)));
        if ("json".equals(format)) {
            body.putObject("response_format").put("type", "json_object");
        } else if (format != null) {
            ObjectNode schema =
                    body.putObject("response_format").put("type", "json_schema").putObject("json_schema");
            schema.put("name", "output");
            schema.set("schema", HttpTransport.JSON.valueToTree(format));
            schema.put("strict", true);
        }
    }

    private static JsonNode firstChoice(JsonNode answer) {
        JsonNode choices = answer.path("choices");
        if (!choices.isArray() || choices.isEmpty() || !choices.get(0).isObject()) {
            throw OllamaException.brokenAnswer("the answer has no choices");
        }
        JsonNode choice = choices.get(0);
        if (text(choice, "finish_reason") == null) {
            throw OllamaException.brokenAnswer("the answer has no finish_reason (the generation ended early)");
        }
        return choice;
    }

    /** The statistics: {@code usage}'s tokens, and durations from llama.cpp's {@code timings} when it sends them. */
    private GenerateResponse response(JsonNode answer, JsonNode choice, String text, String thinking) {
        JsonNode usage = answer.path("usage");
        JsonNode timings = answer.path("timings");
        Long promptNanos = millisAsNanos(timings, "prompt_ms");
        Long evalNanos = millisAsNanos(timings, "predicted_ms");
        (evalNanos == null ? untimed : timed).incrementAndGet();
        return new GenerateResponse(
                text,
                thinking,
                text(choice, "finish_reason"),
                number(usage, "prompt_tokens"),
                number(usage, "completion_tokens"),
                promptNanos == null || evalNanos == null ? null : promptNanos + evalNanos,
                null,
                promptNanos,
                evalNanos);
    }

    @Override
    public EmbedResponse embed(EmbedRequest request) {
        ObjectNode body;
        if (request.batchBody() != null) {
            body = (ObjectNode) request.batchBody().deepCopy();
            body.put("model", request.model());
        } else {
            body = HttpTransport.JSON.createObjectNode();
            body.put("model", request.model());
            ArrayNode input = body.putArray("input");
            request.input().forEach(input::add);
            if (request.dimensions() != null) {
                body.put("dimensions", request.dimensions());
            }
            body.put("encoding_format", "float");
        }
        JsonNode answer = HttpTransport.parse(http.post("/v1/embeddings", body, timeout));
        JsonNode data = answer.path("data");
        int expected = request.input().size();
        if (!data.isArray() || data.size() != expected) {
            throw OllamaException.brokenAnswer("the answer has " + (data.isArray() ? data.size() : "no")
                    + " embeddings for " + expected + " inputs");
        }
        JsonNode[] vectors = new JsonNode[expected];
        for (int i = 0; i < data.size(); i++) {
            JsonNode item = data.get(i);
            int index =
                    item.path("index").isIntegralNumber() ? item.get("index").asInt() : i;
            JsonNode vector = item.path("embedding");
            if (index < 0 || index >= expected || vectors[index] != null) {
                throw OllamaException.brokenAnswer("the answer has an embedding with index " + index);
            }
            if (!vector.isArray() || vector.isEmpty() || !vector.valueStream().allMatch(JsonNode::isNumber)) {
                throw OllamaException.brokenAnswer("the answer has an embedding that is not a list of numbers");
            }
            vectors[index] = vector;
        }
        return new EmbedResponse(List.of(vectors), number(answer.path("usage"), "prompt_tokens"), null, null);
    }

    /** These servers load a model on their own (or serve only the one they started with): nothing to ask. */
    @Override
    public boolean loadsAhead() {
        return false;
    }

    @Override
    public Long load(String model, Object keepAlive, Duration loadTimeout) {
        return null;
    }

    @Override
    public Long loadForEmbedding(String model, Object keepAlive, Duration loadTimeout) {
        return null;
    }

    /** The OpenAI API has no version endpoint. */
    @Override
    public String version() {
        return null;
    }

    /** {@code GET /v1/models}: every model's id; {@code data: null} (Ollama with no model) is none. */
    @Override
    public List<ModelInfo> models() {
        List<ModelInfo> models = new ArrayList<>();
        for (JsonNode model : HttpTransport.parse(http.get("/v1/models")).path("data")) {
            String id = model.path("id").asString("");
            if (!id.isEmpty()) {
                models.add(new ModelInfo(
                        id,
                        id,
                        "",
                        List.of(),
                        model.path("owned_by").isString()
                                ? Map.of("owned_by", model.get("owned_by").asString())
                                : Map.of()));
            }
        }
        return models;
    }

    /** The model list: the one route every OpenAI-compatible server answers (llama-server even while loading). */
    @Override
    public void probe() {
        http.get("/v1/models");
    }

    /**
     * llama-server answers {@code GET /v1/models} without a key, so a wrong key would show only with the first
     * record. With a key, a chat request without messages shows it at once: the key is checked before the body (401
     * or 403), and vLLM, llama-server and Ollama refuse such a body without generating (400, or 500 from
     * llama-server); KoboldCpp answers it, so it asks for one token at most.
     */
    @Override
    public void checkCredentials() {
        if (!keyed) {
            return;
        }
        try {
            http.post(
                    "/v1/chat/completions",
                    HttpTransport.JSON.createObjectNode().put("max_tokens", 1),
                    HttpTransport.METADATA_TIMEOUT);
        } catch (OllamaException e) {
            if (e.failureClass() == FailureClass.DENIED) {
                throw e;
            }
        }
    }

    /** The OpenAI API does not say what a model can do. */
    @Override
    public List<String> showCapabilities(String model) {
        return List.of();
    }

    @Override
    public long closedConnections() {
        return http.closedConnections();
    }

    @Override
    public String durations() {
        long withTimings = timed.get();
        long without = untimed.get();
        return withTimings > 0 && without == 0 ? "server" : withTimings > 0 ? "mixed" : "none";
    }

    private static Long millisAsNanos(JsonNode timings, String field) {
        JsonNode value = timings.get(field);
        return value != null && value.isNumber() ? Math.round(value.asDouble() * NANOS_PER_MS) : null;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isString() && !value.asString().isEmpty() ? value.asString() : null;
    }

    private static Long number(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isNumber() ? value.asLong() : null;
    }
}

package dev.promptbatch.ollama;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.promptbatch.outcome.EmbedResponse;
import dev.promptbatch.outcome.GenerateResponse;

/**
 * Ollama's native API, over the shared {@link HttpTransport} (which also resends on connections a server closed
 * without saying so). One call is one request: retrying is the caller's decision, made from
 * {@link OllamaException#failureClass()}.
 */
public final class OllamaClient implements ServerClient {
    private static final JsonMapper JSON = HttpTransport.JSON;

    private final HttpTransport http;
    private final Duration timeout;

    /**
     * @param connections the most requests this client has in flight at once, which bounds the connections in its
     *                    pool
     */
    public OllamaClient(ServerAddress address, Duration timeout, int connections) {
        String authorization = address.userInfo() == null
                ? null
                : "Basic "
                        + Base64.getEncoder()
                                .encodeToString(URLDecoder.decode(address.userInfo(), StandardCharsets.UTF_8)
                                        .getBytes(StandardCharsets.UTF_8));
        this.http = new HttpTransport(address.baseUrl(), authorization, connections);
        this.timeout = timeout;
    }

    @Override
    public String api() {
        return "ollama";
    }

    @Override
    public boolean loadsAhead() {
        return true;
    }

    /** Ollama reports every duration itself. */
    @Override
    public String durations() {
        return "server";
    }

    /** Sends one request to the endpoint its kind names; see {@link #generate} and {@link #chat}. */
    @Override
    public GenerateResponse answer(ModelRequest request) {
        return request instanceof ChatRequest chat ? chat(chat) : generate((GenerateRequest) request);
    }

    /** Sends one generate request and returns the answer, which Ollama must have marked {@code done: true}. */
    public GenerateResponse generate(GenerateRequest request) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", request.model());
        body.put("prompt", request.prompt());
        if (request.system() != null) body.put("system", request.system());
        putCommon(body, request.options(), request.format(), request.think(), request.keepAlive());
        if (request.images() != null) body.put("images", request.images());
        JsonNode answer = done(HttpTransport.parse(http.post("/api/generate", body, timeout)));
        if (!answer.path("response").isString()) {
            throw new OllamaException(OllamaException.Reason.BAD_BODY, "the answer has no response text", null);
        }
        return response(answer, answer.get("response").asString(), text(answer, "thinking"));
    }

    /**
     * Sends one chat request and returns the assistant message's content as the response and its thinking, with
     * the statistics of {@code /api/chat}; Ollama must have marked the answer {@code done: true}.
     */
    public GenerateResponse chat(ChatRequest request) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", request.model());
        List<Map<String, Object>> messages = new ArrayList<>();
        for (ChatRequest.Message message : request.messages()) {
            Map<String, Object> sent = new LinkedHashMap<>();
            sent.put("role", message.role());
            sent.put("content", message.content());
            if (message.images() != null) sent.put("images", message.images());
            messages.add(sent);
        }
        body.put("messages", messages);
        putCommon(body, request.options(), request.format(), request.think(), request.keepAlive());
        JsonNode answer = done(HttpTransport.parse(http.post("/api/chat", body, timeout)));
        JsonNode message = answer.path("message");
        if (!message.path("content").isString()) {
            throw new OllamaException(OllamaException.Reason.BAD_BODY, "the answer has no message content", null);
        }
        return response(answer, message.get("content").asString(), text(message, "thinking"));
    }

    private static void putCommon(
            Map<String, Object> body, Map<String, Object> options, Object format, Object think, Object keepAlive) {
        body.put("stream", false);
        if (options != null && !options.isEmpty()) body.put("options", options);
        if (format != null) body.put("format", format);
        if (think != null) body.put("think", think);
        if (keepAlive != null) body.put("keep_alive", keepAlive);
    }

    private static JsonNode done(JsonNode answer) {
        if (!answer.path("done").asBoolean(false)) {
            throw new OllamaException(
                    OllamaException.Reason.NOT_DONE,
                    "the server answered done: false (the generation ended early)",
                    null);
        }
        return answer;
    }

    private static GenerateResponse response(JsonNode answer, String text, String thinking) {
        return new GenerateResponse(
                text,
                thinking,
                text(answer, "done_reason"),
                number(answer, "prompt_eval_count"),
                number(answer, "eval_count"),
                number(answer, "total_duration"),
                number(answer, "load_duration"),
                number(answer, "prompt_eval_duration"),
                number(answer, "eval_duration"));
    }

    /**
     * Sends one embed request and returns one vector per input, in input order: an answer with another number of
     * vectors is broken (Ollama answers all or nothing).
     */
    @Override
    public EmbedResponse embed(EmbedRequest request) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", request.model());
        body.put("input", request.input());
        if (request.dimensions() != null) body.put("dimensions", request.dimensions());
        if (request.truncate() != null) body.put("truncate", request.truncate());
        if (request.options() != null && !request.options().isEmpty()) body.put("options", request.options());
        if (request.keepAlive() != null) body.put("keep_alive", request.keepAlive());
        JsonNode answer = HttpTransport.parse(http.post("/api/embed", body, timeout));
        JsonNode embeddings = answer.path("embeddings");
        if (!embeddings.isArray() || embeddings.size() != request.input().size()) {
            throw new OllamaException(
                    OllamaException.Reason.BAD_BODY,
                    "the answer has " + (embeddings.isArray() ? embeddings.size() : "no") + " embeddings for "
                            + request.input().size() + " inputs",
                    null);
        }
        List<JsonNode> vectors = new ArrayList<>(embeddings.size());
        for (JsonNode vector : embeddings) {
            String wrong = !vector.isArray()
                    ? "an embedding that is not an array"
                    : vector.isEmpty()
                            ? "an empty embedding"
                            : vector.valueStream().allMatch(JsonNode::isNumber)
                                    ? null
                                    : "an embedding that is not numbers";
            if (wrong != null) {
                throw new OllamaException(OllamaException.Reason.BAD_BODY, "the answer has " + wrong, null);
            }
            vectors.add(vector);
        }
        return new EmbedResponse(
                List.copyOf(vectors),
                number(answer, "prompt_eval_count"),
                number(answer, "total_duration"),
                number(answer, "load_duration"));
    }

    /**
     * Loads an embedding model without embedding: an embed request with no input, which Ollama answers once the
     * model is ready. Returns the load duration Ollama reports, or null.
     */
    @Override
    public Long loadForEmbedding(String model, Object keepAlive, Duration loadTimeout) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        body.put("input", List.of());
        if (keepAlive != null) body.put("keep_alive", keepAlive);
        return number(HttpTransport.parse(http.post("/api/embed", body, loadTimeout)), "load_duration");
    }

    /**
     * Loads a model without generating: a generate request with no prompt, which Ollama answers with
     * {@code done_reason: "load"} once the model is ready. Returns the load duration Ollama reports, or null.
     */
    @Override
    public Long load(String model, Object keepAlive, Duration loadTimeout) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        body.put("stream", false);
        if (keepAlive != null) body.put("keep_alive", keepAlive);
        return number(HttpTransport.parse(http.post("/api/generate", body, loadTimeout)), "load_duration");
    }

    /** {@code GET /api/version}; null when the server has no such endpoint (404), as some that emulate Ollama. */
    @Override
    public String version() {
        try {
            return HttpTransport.parse(http.get("/api/version")).path("version").asString("unknown");
        } catch (OllamaException e) {
            if (e.status() == 404) {
                return null;
            }
            throw e;
        }
    }

    /** Connections the server closed under a request before answering it, each followed by a resend. */
    /** Ollama takes no key; a proxy in front of it that wants credentials refuses every route, the version too. */
    @Override
    public void checkCredentials() {}

    @Override
    public void probe() {
        version();
    }

    @Override
    public long closedConnections() {
        return http.closedConnections();
    }

    /** {@code GET /api/tags}: the models the server has. */
    @Override
    public List<ModelInfo> models() {
        List<ModelInfo> models = new ArrayList<>();
        for (JsonNode model : HttpTransport.parse(http.get("/api/tags")).path("models")) {
            List<String> capabilities = new ArrayList<>();
            model.path("capabilities").forEach(capability -> capabilities.add(capability.asString()));
            Map<String, Object> details = model.path("details").isObject()
                    ? JSON.treeToValue(model.get("details"), LinkedHashMap.class)
                    : Map.of();
            models.add(new ModelInfo(
                    model.path("name").asString(""),
                    model.path("model").asString(""),
                    model.path("digest").asString(""),
                    List.copyOf(capabilities),
                    details));
        }
        return models;
    }

    /**
     * {@code POST /api/show}: the model's capabilities, for a server whose {@code /api/tags} does not list them. Empty
     * when the server does not say either (no {@code /api/show}, an error, or no list).
     */
    @Override
    public List<String> showCapabilities(String model) {
        JsonNode answer;
        try {
            answer =
                    HttpTransport.parse(http.post("/api/show", Map.of("model", model), HttpTransport.METADATA_TIMEOUT));
        } catch (OllamaException e) {
            return List.of();
        }
        List<String> capabilities = new ArrayList<>();
        answer.path("capabilities").forEach(capability -> capabilities.add(capability.asString()));
        return List.copyOf(capabilities);
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

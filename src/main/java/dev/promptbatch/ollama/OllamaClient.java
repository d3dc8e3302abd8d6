package dev.promptbatch.ollama;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.promptbatch.outcome.EmbedResponse;
import dev.promptbatch.outcome.GenerateResponse;

/**
 * Ollama's native API over one pooled HTTP/1.1 client (the server speaks no h2c). One call is one request: retrying
 * is the caller's decision, made from {@link OllamaException#failureClass()}.
 *
 * <p>The one exception is a connection that fails before any byte of a response arrives. Servers built on Python's
 * or Node's HTTP stacks, and proxies with short keep-alive timeouts, close a connection after a response without
 * saying so; the pool hands it out again and the next request on it fails at once. That request never reached the
 * server's work, so it is sent again at once, up to once per pooled connection (each failure closes one, so the
 * last try is on a fresh connection); only then does the failure count. A server that is down answers the fresh
 * connection with a refusal, which counts as before.
 */
public final class OllamaClient {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);
    private static final Logger log = LoggerFactory.getLogger(OllamaClient.class);

    private final HttpClient http;
    private final URI baseUrl;
    private final String authorization;
    private final Duration timeout;
    private final int resends;
    private final AtomicLong closedConnections = new AtomicLong();

    /**
     * @param connections the most requests this client has in flight at once, which bounds the connections in its
     *                    pool
     */
    public OllamaClient(ServerAddress address, Duration timeout, int connections) {
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .build();
        this.baseUrl = address.baseUrl();
        this.authorization = address.userInfo() == null
                ? null
                : "Basic "
                        + Base64.getEncoder()
                                .encodeToString(URLDecoder.decode(address.userInfo(), StandardCharsets.UTF_8)
                                        .getBytes(StandardCharsets.UTF_8));
        this.timeout = timeout;
        // The pool holds at most one connection per request in flight, plus the preflight's or a probe's.
        this.resends = connections + 1;
    }

    /** Sends one request to the endpoint its kind names; see {@link #generate} and {@link #chat}. */
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
        JsonNode answer = done(parse(send(post("/api/generate", JSON.writeValueAsString(body), timeout))));
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
        JsonNode answer = done(parse(send(post("/api/chat", JSON.writeValueAsString(body), timeout))));
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
    public EmbedResponse embed(EmbedRequest request) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", request.model());
        body.put("input", request.input());
        if (request.dimensions() != null) body.put("dimensions", request.dimensions());
        if (request.truncate() != null) body.put("truncate", request.truncate());
        if (request.options() != null && !request.options().isEmpty()) body.put("options", request.options());
        if (request.keepAlive() != null) body.put("keep_alive", request.keepAlive());
        JsonNode answer = parse(send(post("/api/embed", JSON.writeValueAsString(body), timeout)));
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
    public Long loadForEmbedding(String model, Object keepAlive, Duration loadTimeout) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        body.put("input", List.of());
        if (keepAlive != null) body.put("keep_alive", keepAlive);
        return number(parse(send(post("/api/embed", JSON.writeValueAsString(body), loadTimeout))), "load_duration");
    }

    /**
     * Loads a model without generating: a generate request with no prompt, which Ollama answers with
     * {@code done_reason: "load"} once the model is ready. Returns the load duration Ollama reports, or null.
     */
    public Long load(String model, Object keepAlive, Duration loadTimeout) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        body.put("stream", false);
        if (keepAlive != null) body.put("keep_alive", keepAlive);
        return number(parse(send(post("/api/generate", JSON.writeValueAsString(body), loadTimeout))), "load_duration");
    }

    /** {@code GET /api/version}; null when the server has no such endpoint (404), as some that emulate Ollama. */
    public String version() {
        try {
            return parse(send(get("/api/version"))).path("version").asString("unknown");
        } catch (OllamaException e) {
            if (e.status() == 404) {
                return null;
            }
            throw e;
        }
    }

    /** Connections the server closed under a request before answering it, each followed by a resend. */
    public long closedConnections() {
        return closedConnections.get();
    }

    /** {@code GET /api/tags}: the models the server has. */
    public List<ModelInfo> models() {
        List<ModelInfo> models = new ArrayList<>();
        for (JsonNode model : parse(send(get("/api/tags"))).path("models")) {
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
    public List<String> showCapabilities(String model) {
        JsonNode answer;
        try {
            answer = parse(send(post("/api/show", JSON.writeValueAsString(Map.of("model", model)), METADATA_TIMEOUT)));
        } catch (OllamaException e) {
            return List.of();
        }
        List<String> capabilities = new ArrayList<>();
        answer.path("capabilities").forEach(capability -> capabilities.add(capability.asString()));
        return List.copyOf(capabilities);
    }

    private HttpRequest post(String path, String json, Duration requestTimeout) {
        return request(path, requestTimeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
                .build();
    }

    private HttpRequest get(String path) {
        return request(path, METADATA_TIMEOUT).GET().build();
    }

    private HttpRequest.Builder request(String path, Duration requestTimeout) {
        HttpRequest.Builder builder =
                HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(requestTimeout);
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        return builder;
    }

    private HttpResponse<String> send(HttpRequest request) {
        HttpResponse<String> response;
        try {
            response = sendResendingOnClosedConnections(request);
        } catch (HttpTimeoutException e) {
            throw new OllamaException(
                    OllamaException.Reason.TIMEOUT,
                    "no answer within "
                            + request.timeout()
                                    .map(Duration::toString)
                                    .orElse("")
                                    .replace("PT", "")
                                    .toLowerCase(),
                    e);
        } catch (ConnectException e) {
            throw new OllamaException(
                    OllamaException.Reason.UNREACHABLE,
                    "cannot connect to " + baseUrl + " (is the server running?)",
                    e);
        } catch (IOException e) {
            throw new OllamaException(OllamaException.Reason.CONNECTION_LOST, "connection failed: " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for " + request.uri());
        }
        int status = response.statusCode();
        if (status == 200) {
            return response;
        }
        throw new OllamaException(status, ErrorBody.of(response.body()), retryAfter(response));
    }

    /** See the class comment: a connection closed before any response byte costs a resend, not a failure. */
    private HttpResponse<String> sendResendingOnClosedConnections(HttpRequest request)
            throws IOException, InterruptedException {
        for (int resend = 0; ; resend++) {
            AtomicBoolean answered = new AtomicBoolean();
            try {
                return http.send(request, info -> {
                    answered.set(true);
                    return HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)
                            .apply(info);
                });
            } catch (HttpTimeoutException | ConnectException e) {
                throw e;
            } catch (IOException e) {
                if (answered.get() || resend == resends) {
                    throw e; // an answer cut short was under way: the server did the work, and the retry policy
                    // decides whether to ask again
                }
                if (closedConnections.getAndIncrement() == 0) {
                    log.info(
                            "The server at {} closed a connection before answering on it ({}); sending again on "
                                    + "another. Servers and proxies that close idle connections do this; it is not an outage.",
                            baseUrl,
                            describe(e));
                }
            }
        }
    }

    private static JsonNode parse(HttpResponse<String> response) {
        try {
            JsonNode node = JSON.readTree(response.body());
            if (node != null && node.isObject()) {
                return node;
            }
        } catch (JacksonException e) {
            // reported below: the body is not Ollama's JSON
        }
        String body = response.body();
        throw new OllamaException(
                OllamaException.Reason.BAD_BODY,
                "the answer is not Ollama's JSON: " + (body.length() > 80 ? body.substring(0, 80) + "..." : body),
                null);
    }

    private static Duration retryAfter(HttpResponse<?> response) {
        return response.headers()
                .firstValue("Retry-After")
                .map(value -> {
                    try {
                        return Duration.ofSeconds(Long.parseLong(value.trim()));
                    } catch (NumberFormatException e) {
                        return null;
                    }
                })
                .orElse(null);
    }

    private static String describe(IOException e) {
        return e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
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

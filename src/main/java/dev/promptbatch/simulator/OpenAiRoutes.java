package dev.promptbatch.simulator;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The OpenAI-compatible routes, built as Ollama's compatibility layer builds them: each request is rewritten into a
 * native one, answered by the native handler, and the answer rewritten into OpenAI's shape. So the same model,
 * messages, options and seed give the same content on {@code /v1/chat/completions} as on {@code /api/chat}.
 */
final class OpenAiRoutes {

    /** Followed by a model's name: {@code GET /v1/models/{model}}. */
    static final String MODEL_PATH = "/v1/models/";

    private static final List<String> IMAGE_PREFIXES = List.of(
            "data:;base64,",
            "data:image/jpeg;base64,",
            "data:image/jpg;base64,",
            "data:image/png;base64,",
            "data:image/webp;base64,");

    private final String apiKey;
    private final boolean unavailableWhileLoading;
    private final boolean timings;
    private final ModelScheduler scheduler;
    private final ModelCatalog catalog;
    private final HttpHandler generate;
    private final HttpHandler chat;
    private final HttpHandler embed;

    /**
     * {@code apiKey}: the key every request must carry, null for none; {@code unavailableWhileLoading}: see
     * {@link ServerQuirks#unavailableWhileLoading()}; {@code timings}: see {@link ServerQuirks#openAiTimings()}.
     */
    OpenAiRoutes(
            String apiKey,
            boolean unavailableWhileLoading,
            boolean timings,
            ModelScheduler scheduler,
            ModelCatalog catalog,
            HttpHandler generate,
            HttpHandler chat,
            HttpHandler embed) {
        this.apiKey = apiKey;
        this.unavailableWhileLoading = unavailableWhileLoading;
        this.timings = timings;
        this.scheduler = scheduler;
        this.catalog = catalog;
        this.generate = generate;
        this.chat = chat;
        this.embed = embed;
    }

    /**
     * {@code handler} behind the key check, when the server has a key, and, when the server is unavailable while
     * loading, behind llama-server's 503 while a model loads. That check comes first, as in llama-server.
     * {@code GET /v1/models} is not guarded: llama-server answers it without a key and while loading (its public
     * endpoints, {@code tools/server/server-http.cpp}).
     */
    HttpHandler guarded(HttpHandler handler) {
        HttpHandler keyed = keyed(handler);
        if (!unavailableWhileLoading) {
            return keyed;
        }
        return exchange -> {
            if (!scheduler.loading()) {
                keyed.handle(exchange);
                return;
            }
            exchange.getRequestBody().readAllBytes();
            ObjectNode body = Exchanges.object();
            ObjectNode error = body.putObject("error");
            error.put("code", 503);
            error.put("message", "Loading model");
            error.put("type", "unavailable_error");
            Exchanges.sendJson(exchange, 503, body);
        };
    }

    private HttpHandler keyed(HttpHandler handler) {
        if (apiKey == null) {
            return handler;
        }
        byte[] expected = ("Bearer " + apiKey).getBytes(StandardCharsets.UTF_8);
        return exchange -> {
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (authorization != null
                    && MessageDigest.isEqual(expected, authorization.getBytes(StandardCharsets.UTF_8))) {
                handler.handle(exchange);
                return;
            }
            exchange.getRequestBody().readAllBytes(); // the connection stays usable for the next request
            ObjectNode body = Exchanges.object();
            ObjectNode error = body.putObject("error");
            // llama-server's body (format_error_response): Ollama's own /v1 routes take no key.
            error.put("code", 401);
            error.put("message", "Invalid API Key");
            error.put("type", "authentication_error");
            Exchanges.sendJson(exchange, 401, body);
        };
    }

    /** {@code GET /v1/models} */
    void models(HttpExchange exchange) throws IOException {
        Exchanges.sendJson(exchange, 200, catalog.openAiModels());
    }

    /** {@code GET /v1/models/{model}}: the model under the name asked for, or 404 as {@code /api/show} gives it. */
    void model(HttpExchange exchange) throws IOException {
        String name = exchange.getRequestURI().getPath().substring(MODEL_PATH.length());
        if (catalog.find(name).isEmpty()) {
            sendError(exchange, 404, "model '" + name + "' not found");
            return;
        }
        Exchanges.sendJson(exchange, 200, catalog.openAiModel(name));
    }

    /** {@code POST /v1/chat/completions}, non-streaming: answered by {@code /api/chat}. */
    void chatCompletions(HttpExchange exchange) throws IOException {
        complete(
                exchange,
                OpenAiRoutes::chatRequest,
                chat,
                Endpoint.CHAT,
                "chatcmpl-",
                "chat.completion",
                (choice, response) -> {
                    choice.put("index", 0);
                    ObjectNode message = choice.putObject("message");
                    message.put("role", "assistant");
                    message.put(
                            "content", response.path("message").path("content").asString(""));
                });
    }

    /** {@code POST /v1/completions}, non-streaming: one prompt, answered by {@code /api/generate}. */
    void completions(HttpExchange exchange) throws IOException {
        complete(
                exchange,
                OpenAiRoutes::completionRequest,
                generate,
                Endpoint.GENERATE,
                "cmpl-",
                "text_completion",
                (choice, response) -> {
                    choice.put("text", response.path("response").asString(""));
                    choice.put("index", 0);
                });
    }

    /** How a /v1 request becomes the native one; a request Ollama's layer refuses throws. */
    private interface ToNative {
        ObjectNode apply(ObjectNode request) throws RequestRefusedException;
    }

    /**
     * A completion through the native endpoint: the request rewritten, answered there, and the answer rewritten in
     * OpenAI's shape, {@code content} filling the one choice before its {@code finish_reason}.
     */
    private void complete(
            HttpExchange exchange,
            ToNative toNative,
            HttpHandler handler,
            Endpoint endpoint,
            String idPrefix,
            String object,
            BiConsumer<ObjectNode, ObjectNode> content)
            throws IOException {
        ObjectNode nativeRequest;
        try {
            nativeRequest = toNative.apply(readObject(exchange));
        } catch (RequestRefusedException e) {
            sendError(exchange, e.status(), e.getMessage());
            return;
        }
        CapturedExchange answer = callNative(exchange, handler, endpoint.path(), nativeRequest);
        ObjectNode response = translatable(exchange, answer);
        if (response == null) {
            return;
        }
        ObjectNode body = Exchanges.object();
        body.put("id", idPrefix + ThreadLocalRandom.current().nextInt(999));
        body.put("object", object);
        body.put("created", Instant.now().getEpochSecond());
        body.put("model", response.path("model").asString(""));
        body.put("system_fingerprint", "fp_ollama");
        ObjectNode choice = body.putArray("choices").addObject();
        content.accept(choice, response);
        putFinishReason(choice, response);
        putUsage(body, response, true);
        if (timings) {
            putTimings(body, response);
        }
        Exchanges.sendJson(exchange, 200, body);
    }

    /** {@code POST /v1/embeddings}: the vectors of {@code /api/embed}, as floats or little-endian float32 base64. */
    void embeddings(HttpExchange exchange) throws IOException {
        ObjectNode request;
        ObjectNode nativeRequest;
        try {
            request = readObject(exchange);
            nativeRequest = embedRequest(request);
        } catch (RequestRefusedException e) {
            sendError(exchange, e.status(), e.getMessage());
            return;
        }
        CapturedExchange answer = callNative(exchange, embed, "/api/embed", nativeRequest);
        ObjectNode response = translatable(exchange, answer);
        if (response == null) {
            return;
        }
        boolean base64 = request.path("encoding_format").asString("").equalsIgnoreCase("base64");
        ObjectNode body = Exchanges.object();
        JsonNode embeddings = response.path("embeddings");
        if (!embeddings.isArray()) {
            // An answer without vectors translates to an empty list, as Go's zero value.
            body.put("object", "");
            body.putNull("data");
            body.put("model", "");
            putUsage(body, Exchanges.object(), false);
            Exchanges.sendJson(exchange, 200, body);
            return;
        }
        body.put("object", "list");
        ArrayNode data = body.putArray("data");
        for (int i = 0; i < embeddings.size(); i++) {
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            if (base64) {
                item.put("embedding", littleEndianBase64(embeddings.get(i)));
            } else {
                item.set("embedding", embeddings.get(i));
            }
            item.put("index", i);
        }
        body.put("model", request.path("model").asString(""));
        putUsage(body, response, false);
        Exchanges.sendJson(exchange, 200, body);
    }

    /** The native {@code /api/generate} body: the prompt must be one string, every stop a string. */
    private static ObjectNode completionRequest(ObjectNode request) throws RequestRefusedException {
        refuseStreaming(request);
        ObjectNode rewritten = Exchanges.object();
        rewritten.put("model", request.path("model").asString(""));
        JsonNode prompt = request.path("prompt");
        if (!prompt.isMissingNode() && !prompt.isNull() && !prompt.isString()) {
            throw new RequestRefusedException(
                    400,
                    "json: cannot unmarshal " + jsonKind(prompt)
                            + " into Go struct field CompletionRequest.prompt of type string");
        }
        rewritten.put("prompt", prompt.asString(""));
        rewritten.put("stream", false);
        ObjectNode options = options(request);
        JsonNode stop = request.path("stop");
        if (stop.isString()) {
            options.putArray("stop").add(stop);
        } else if (stop.isArray()) {
            ArrayNode stops = options.putArray("stop");
            for (JsonNode item : stop) {
                if (!item.isString()) {
                    throw new RequestRefusedException(400, "invalid type for 'stop' field: " + goType(item));
                }
                stops.add(item);
            }
        }
        // Unlike chat, completions always send both penalties, 0 when absent, and take a top_p of 0 as absent.
        options.set("frequency_penalty", number(request.path("frequency_penalty")));
        options.set("presence_penalty", number(request.path("presence_penalty")));
        if (request.path("top_p").isNumber() && request.path("top_p").doubleValue() == 0) {
            options.put("top_p", 1.0);
        }
        rewritten.set("options", options);
        return rewritten;
    }

    /** The native {@code /api/embed} body, after the compatibility layer's own checks. */
    private static ObjectNode embedRequest(ObjectNode request) throws RequestRefusedException {
        String encoding = request.path("encoding_format").asString("");
        if (!encoding.isEmpty() && !encoding.equalsIgnoreCase("float") && !encoding.equalsIgnoreCase("base64")) {
            throw new RequestRefusedException(
                    400,
                    "Invalid value for 'encoding_format' = " + encoding + ". Supported values: ['float', 'base64'].");
        }
        JsonNode input = request.path("input");
        if (input.isMissingNode() || input.isNull() || (input.isArray() && input.isEmpty())) {
            throw new RequestRefusedException(400, "invalid input");
        }
        ObjectNode rewritten = Exchanges.object();
        rewritten.put("model", request.path("model").asString(""));
        if (input.isString() && input.stringValue().isEmpty()) {
            rewritten.putArray("input").add(""); // an empty string is embedded, not a load request
        } else {
            rewritten.set("input", input);
        }
        JsonNode dimensions = request.path("dimensions");
        if (!dimensions.isMissingNode() && !dimensions.isNull()) {
            rewritten.set("dimensions", dimensions);
        }
        return rewritten;
    }

    private static String littleEndianBase64(JsonNode vector) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.size() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        vector.forEach(value -> bytes.putFloat(value.floatValue()));
        return Base64.getEncoder().encodeToString(bytes.array());
    }

    private static JsonNode number(JsonNode value) {
        return value.isNumber() ? value : Exchanges.object().numberNode(0);
    }

    /** How Go's JSON decoder names a value it cannot put into a field. */
    private static String jsonKind(JsonNode value) {
        if (value.isArray()) {
            return "array";
        }
        if (value.isObject()) {
            return "object";
        }
        return value.isNumber() ? "number" : "bool";
    }

    /** The native {@code /api/chat} body for an OpenAI chat request, with the compatibility layer's defaults. */
    private static ObjectNode chatRequest(ObjectNode request) throws RequestRefusedException {
        refuseStreaming(request);
        ObjectNode rewritten = Exchanges.object();
        rewritten.put("model", request.path("model").asString(""));
        rewritten.put("stream", false);
        JsonNode messages = request.path("messages");
        if (!messages.isArray() || messages.isEmpty()) {
            throw new RequestRefusedException(400, "[] is too short - 'messages'");
        }
        ArrayNode nativeMessages = rewritten.putArray("messages");
        for (JsonNode message : messages) {
            addMessages(nativeMessages, message);
        }
        ObjectNode options = options(request);
        JsonNode stop = request.path("stop");
        if (stop.isString()) {
            options.putArray("stop").add(stop);
        } else if (stop.isArray()) {
            ArrayNode stops = options.putArray("stop");
            stop.forEach(item -> {
                if (item.isString()) { // the compatibility layer drops anything else here
                    stops.add(item);
                }
            });
        }
        rewritten.set("options", options);
        JsonNode responseFormat = request.path("response_format");
        switch (responseFormat.path("type").asString("").strip().toLowerCase(Locale.ROOT)) {
            case "json_object" -> rewritten.put("format", "json");
            case "json_schema" -> {
                JsonNode schema = responseFormat.path("json_schema").path("schema");
                if (!schema.isMissingNode() && !schema.isNull()) {
                    rewritten.set("format", schema);
                }
            }
            default -> {
                // "text", or none: free text
            }
        }
        return rewritten;
    }

    /**
     * A message with text content is one native message; one with parts becomes one native message per part (a text,
     * or an image as a base64 data URI), as the compatibility layer splits them.
     */
    private static void addMessages(ArrayNode nativeMessages, JsonNode message) throws RequestRefusedException {
        String role = message.path("role").asString("");
        JsonNode content = message.path("content");
        if (content.isString()) {
            nativeMessages.addObject().put("role", role).put("content", content.stringValue());
            return;
        }
        if (!content.isArray()) {
            throw new RequestRefusedException(400, "invalid message content type: " + goType(content));
        }
        for (JsonNode part : content) {
            switch (part.path("type").asString("")) {
                case "text" -> {
                    if (!part.path("text").isString()) {
                        throw new RequestRefusedException(400, "invalid message format");
                    }
                    nativeMessages
                            .addObject()
                            .put("role", role)
                            .put("content", part.get("text").stringValue());
                }
                case "image_url" -> {
                    JsonNode image = part.path("image_url");
                    JsonNode url = image.isObject() ? image.path("url") : image;
                    if (!url.isString()) {
                        throw new RequestRefusedException(400, "invalid message format");
                    }
                    nativeMessages
                            .addObject()
                            .put("role", role)
                            .putArray("images")
                            .add(imageData(url.stringValue()));
                }
                default -> throw new RequestRefusedException(400, "invalid message format");
            }
        }
    }

    /** A data URI's base64 payload: {@code data:image/{jpeg,jpg,png,webp};base64,} or {@code data:;base64,}. */
    private static String imageData(String url) throws RequestRefusedException {
        if (url.startsWith("http://") || url.startsWith("https://")) {
            throw new RequestRefusedException(
                    400, "image URLs are not currently supported, please use base64 encoded data instead");
        }
        for (String prefix : IMAGE_PREFIXES) {
            if (url.startsWith(prefix)) {
                return url.substring(prefix.length());
            }
        }
        throw new RequestRefusedException(400, "invalid image input");
    }

    /** How Go's {@code %T} names a decoded JSON value. */
    private static String goType(JsonNode value) {
        if (value.isNumber()) {
            return "float64";
        }
        if (value.isBoolean()) {
            return "bool";
        }
        if (value.isObject()) {
            return "map[string]interface {}";
        }
        if (value.isArray()) {
            return "[]interface {}";
        }
        return "<nil>";
    }

    /**
     * The sampling options both routes take. An absent {@code temperature} or {@code top_p} is 1.0, as OpenAI's
     * default, overriding the model's own.
     */
    private static ObjectNode options(ObjectNode request) {
        ObjectNode options = Exchanges.object();
        JsonNode temperature = request.path("temperature");
        options.set("temperature", temperature.isNumber() ? temperature : options.numberNode(1.0));
        JsonNode topP = request.path("top_p");
        options.set("top_p", topP.isNumber() ? topP : options.numberNode(1.0));
        copy(request, "seed", options, "seed");
        copy(request, "max_tokens", options, "num_predict");
        copy(request, "frequency_penalty", options, "frequency_penalty");
        copy(request, "presence_penalty", options, "presence_penalty");
        return options;
    }

    private static void copy(ObjectNode from, String name, ObjectNode to, String as) {
        JsonNode value = from.path(name);
        if (!value.isMissingNode() && !value.isNull()) {
            to.set(as, value);
        }
    }

    private static void refuseStreaming(ObjectNode request) throws RequestRefusedException {
        if (request.path("stream").asBoolean(false)) {
            throw new RequestRefusedException(400, "the simulator's /v1 routes do not stream; send stream false");
        }
    }

    private static void putFinishReason(ObjectNode choice, ObjectNode response) {
        JsonNode reason = response.path("done_reason");
        if (response.path("done").asBoolean(false) && reason.isString()) {
            choice.put("finish_reason", reason.stringValue());
        } else {
            choice.putNull("finish_reason"); // an answer that ended without a stop event
        }
    }

    private static void putUsage(ObjectNode body, ObjectNode response, boolean completion) {
        int promptTokens = response.path("prompt_eval_count").asInt(0);
        int completionTokens = completion ? response.path("eval_count").asInt(0) : 0;
        ObjectNode usage = body.putObject("usage");
        usage.put("prompt_tokens", promptTokens);
        if (completion) {
            usage.put("completion_tokens", completionTokens);
        }
        usage.put("total_tokens", promptTokens + completionTokens);
    }

    /**
     * llama-server's {@code timings} ({@code server-task.cpp} result_timings::to_json), from the native answer's
     * counts and durations: milliseconds as fractions, rates per token and per second. The simulator keeps no prompt
     * cache, so {@code cache_n} is 0.
     */
    private static void putTimings(ObjectNode body, ObjectNode response) {
        long promptN = response.path("prompt_eval_count").asLong(0);
        double promptMs = response.path("prompt_eval_duration").asLong(0) / 1e6;
        long predictedN = response.path("eval_count").asLong(0);
        double predictedMs = response.path("eval_duration").asLong(0) / 1e6;
        ObjectNode timings = body.putObject("timings");
        timings.put("cache_n", 0);
        timings.put("prompt_n", promptN);
        timings.put("prompt_ms", promptMs);
        timings.put("prompt_per_token_ms", promptN == 0 ? 0 : promptMs / promptN);
        timings.put("prompt_per_second", promptMs == 0 ? 0 : promptN * 1e3 / promptMs);
        timings.put("predicted_n", predictedN);
        timings.put("predicted_ms", predictedMs);
        timings.put("predicted_per_token_ms", predictedN == 0 ? 0 : predictedMs / predictedN);
        timings.put("predicted_per_second", predictedMs == 0 ? 0 : predictedN * 1e3 / predictedMs);
    }

    /** Runs the native handler on {@code request} and keeps its answer. */
    private static CapturedExchange callNative(
            HttpExchange exchange, HttpHandler handler, String path, ObjectNode request) throws IOException {
        CapturedExchange captured = new CapturedExchange(exchange, path, Exchanges.bytes(request));
        handler.handle(captured);
        return captured;
    }

    /**
     * The native answer as a JSON object to translate, or null when it has been dealt with here: an error in
     * OpenAI's shape, or a failure passed on as the client would meet it (a dropped connection, a cut body, a
     * proxy's page).
     */
    private static ObjectNode translatable(HttpExchange exchange, CapturedExchange answer) throws IOException {
        if (answer.status() < 0) {
            return null; // closing the exchange without headers drops the connection
        }
        byte[] body = answer.body();
        if (answer.cutShort()) {
            exchange.getResponseHeaders().set("Content-Type", Exchanges.JSON);
            exchange.sendResponseHeaders(answer.status(), body.length * 2L);
            OutputStream out = exchange.getResponseBody();
            out.write(body);
            out.flush();
            out.close(); // throws: fewer bytes than announced, and the server drops the connection
            return null;
        }
        JsonNode node = null;
        try {
            node = Exchanges.MAPPER.readTree(body);
        } catch (JacksonException e) {
            // not JSON: passed on below
        }
        if (node == null || !node.isObject()) {
            String contentType = answer.getResponseHeaders().getFirst("Content-Type");
            Exchanges.send(exchange, answer.status(), contentType == null ? Exchanges.TEXT : contentType, body);
            return null;
        }
        if (answer.status() != 200) {
            JsonNode error = node.path("error");
            sendError(exchange, answer.status(), error.isString() ? error.stringValue() : error.toString());
            return null;
        }
        return (ObjectNode) node;
    }

    /** Ollama's {@code /v1} error body: the type follows the status, {@code param} and {@code code} are null. */
    private static void sendError(HttpExchange exchange, int status, String message) throws IOException {
        ObjectNode error = Exchanges.object();
        ObjectNode inner = error.putObject("error");
        inner.put("message", message);
        inner.put(
                "type",
                switch (status) {
                    case 400 -> "invalid_request_error";
                    case 404 -> "not_found_error";
                    default -> "api_error";
                });
        inner.putNull("param");
        inner.putNull("code");
        Exchanges.sendJson(exchange, status, error);
    }

    private static ObjectNode readObject(HttpExchange exchange) throws IOException, RequestRefusedException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        JsonNode node;
        try {
            node = Exchanges.MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw new RequestRefusedException(400, e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new RequestRefusedException(400, "the body must be a JSON object");
        }
        return (ObjectNode) node;
    }
}

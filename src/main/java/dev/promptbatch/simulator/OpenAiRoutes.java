package dev.promptbatch.simulator;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

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

    private final ModelCatalog catalog;
    private final HttpHandler chat;

    OpenAiRoutes(ModelCatalog catalog, HttpHandler chat) {
        this.catalog = catalog;
        this.chat = chat;
    }

    /** {@code GET /v1/models} */
    void models(HttpExchange exchange) throws IOException {
        Exchanges.sendJson(exchange, 200, catalog.openAiModels());
    }

    /** {@code POST /v1/chat/completions}, non-streaming. */
    void chatCompletions(HttpExchange exchange) throws IOException {
        ObjectNode nativeRequest;
        try {
            nativeRequest = chatRequest(readObject(exchange));
        } catch (RequestRefusedException e) {
            sendError(exchange, e.status(), e.getMessage());
            return;
        }
        CapturedExchange answer = callNative(exchange, chat, Endpoint.CHAT.path(), nativeRequest);
        ObjectNode response = translatable(exchange, answer);
        if (response == null) {
            return;
        }
        ObjectNode body = Exchanges.object();
        body.put("id", "chatcmpl-" + ThreadLocalRandom.current().nextInt(999));
        body.put("object", "chat.completion");
        body.put("created", Instant.now().getEpochSecond());
        body.put("model", response.path("model").asString(""));
        body.put("system_fingerprint", "fp_ollama");
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", response.path("message").path("content").asString(""));
        putFinishReason(choice, response);
        putUsage(body, response, true);
        Exchanges.sendJson(exchange, 200, body);
    }

    /** The native {@code /api/chat} body for an OpenAI chat request, with the compatibility layer's defaults. */
    private static ObjectNode chatRequest(ObjectNode request) throws RequestRefusedException {
        refuseStreaming(request);
        ObjectNode native_ = Exchanges.object();
        native_.set("model", request.path("model").isMissingNode() ? native_.stringNode("") : request.get("model"));
        native_.put("stream", false);
        JsonNode messages = request.path("messages");
        if (!messages.isArray() || messages.isEmpty()) {
            throw new RequestRefusedException(400, "[] is too short - 'messages'");
        }
        ArrayNode nativeMessages = native_.putArray("messages");
        for (JsonNode message : messages) {
            nativeMessages.add(chatMessage(message));
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
        native_.set("options", options);
        JsonNode responseFormat = request.path("response_format");
        switch (responseFormat.path("type").asString("")) {
            case "json_object" -> native_.put("format", "json");
            case "json_schema" -> {
                JsonNode schema = responseFormat.path("json_schema").path("schema");
                if (!schema.isMissingNode() && !schema.isNull()) {
                    native_.set("format", schema);
                }
            }
            default -> {
                // "text", or none: free text
            }
        }
        return native_;
    }

    /** Text content, or parts: text parts joined, images as base64 data URIs only. */
    private static ObjectNode chatMessage(JsonNode message) throws RequestRefusedException {
        ObjectNode native_ = Exchanges.object();
        native_.put("role", message.path("role").asString(""));
        JsonNode content = message.path("content");
        if (!content.isArray()) {
            native_.put("content", content.asString(""));
            return native_;
        }
        StringBuilder text = new StringBuilder();
        ArrayNode images = Exchanges.object().arrayNode();
        for (JsonNode part : content) {
            switch (part.path("type").asString("")) {
                case "text" -> text.append(part.path("text").asString(""));
                case "image_url" ->
                    images.add(imageData(
                            part.path("image_url").isObject()
                                    ? part.path("image_url").path("url").asString("")
                                    : part.path("image_url").asString("")));
                default -> throw new RequestRefusedException(400, "invalid message format");
            }
        }
        native_.put("content", text.toString());
        if (!images.isEmpty()) {
            native_.set("images", images);
        }
        return native_;
    }

    private static String imageData(String url) throws RequestRefusedException {
        if (url.startsWith("http://") || url.startsWith("https://")) {
            throw new RequestRefusedException(
                    400, "image URLs are not currently supported, please use base64 encoded data instead");
        }
        int comma = url.indexOf(";base64,");
        if (!url.startsWith("data:") || comma < 0) {
            throw new RequestRefusedException(400, "invalid image input");
        }
        return url.substring(comma + ";base64,".length());
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
    static void sendError(HttpExchange exchange, int status, String message) throws IOException {
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

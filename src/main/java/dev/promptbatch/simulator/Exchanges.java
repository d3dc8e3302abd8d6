package dev.promptbatch.simulator;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.sun.net.httpserver.HttpExchange;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** JSON and HTTP plumbing shared by the simulator's endpoints. */
final class Exchanges {

    static final String JSON = "application/json; charset=utf-8";
    static final String NDJSON = "application/x-ndjson";
    static final String TEXT = "text/plain; charset=utf-8";
    static final String TEXT_HTML = "text/html";

    /** Go's json.Decoder reads one value and ignores whatever follows it; so does this mapper. */
    static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /**
     * Hooks per exchange. Not exchange attributes: JDK 17 keeps those in the shared HttpContext, so concurrent
     * exchanges would overwrite each other's.
     */
    private static final Map<HttpExchange, Runnable> BEFORE_RESPONSE = new ConcurrentHashMap<>();

    private Exchanges() {}

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    static byte[] bytes(JsonNode node) {
        return MAPPER.writeValueAsBytes(node);
    }

    static void sendJson(HttpExchange exchange, int status, JsonNode body) throws IOException {
        send(exchange, status, JSON, bytes(body));
    }

    /** Ollama's handler errors: {@code {"error":"..."}}. */
    static void sendError(HttpExchange exchange, int status, String message) throws IOException {
        sendJson(exchange, status, object().put("error", message));
    }

    static void sendText(HttpExchange exchange, int status, String text) throws IOException {
        send(exchange, status, TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Registers what to run, once, just before the exchange's response starts (or it ends without one). */
    static void beforeResponse(HttpExchange exchange, Runnable hook) {
        BEFORE_RESPONSE.put(exchange, hook);
    }

    /**
     * Runs the exchange's hook, if it still has one. Called before the first byte of an answer leaves, so that what
     * the hook records happens before the client can have the whole answer.
     */
    static void beforeResponse(HttpExchange exchange) {
        Runnable hook = BEFORE_RESPONSE.remove(exchange);
        if (hook != null) {
            hook.run();
        }
    }

    static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        beforeResponse(exchange);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        // -1 means "no body"; 0 would switch the JDK server to chunked encoding.
        exchange.sendResponseHeaders(status, head || body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}

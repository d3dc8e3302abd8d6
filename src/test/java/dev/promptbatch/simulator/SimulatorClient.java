package dev.promptbatch.simulator;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** A real HTTP client for the simulator under test, as PromptBatch talks to Ollama: HTTP/1.1, keep-alive. */
final class SimulatorClient {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final URI baseUrl;

    SimulatorClient(OllamaSimulator simulator) {
        this.baseUrl = simulator.baseUrl();
    }

    /** A non-streaming generate body; tests add what they need. */
    static ObjectNode generate(String model, String prompt) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model);
        body.put("prompt", prompt);
        body.put("stream", false);
        return body;
    }

    HttpResponse<String> post(String path, JsonNode body) throws IOException, InterruptedException {
        return post(path, JSON.writeValueAsString(body));
    }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return send("POST", path, body);
    }

    CompletableFuture<HttpResponse<String>> postAsync(String path, JsonNode body) {
        return http.sendAsync(
                request("POST", path, JSON.writeValueAsString(body)), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send("GET", path, null);
    }

    HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
        return http.send(request(method, path, body), HttpResponse.BodyHandlers.ofString());
    }

    /** With an {@code Authorization} header, unless {@code authorization} is null. */
    HttpResponse<String> send(String method, String path, String body, String authorization)
            throws IOException, InterruptedException {
        if (authorization == null) {
            return send(method, path, body);
        }
        HttpRequest request = HttpRequest.newBuilder(request(method, path, body), (name, value) -> true)
                .header("Authorization", authorization)
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Posts to /api/generate and returns the parsed JSON answer, which must have status 200. */
    JsonNode answer(JsonNode body) throws IOException, InterruptedException {
        HttpResponse<String> response = post("/api/generate", body);
        if (response.statusCode() != 200) {
            throw new AssertionError("expected 200, got " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    private HttpRequest request(String method, String path, String body) {
        return HttpRequest.newBuilder(baseUrl.resolve(path))
                .timeout(Duration.ofSeconds(10))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
    }
}

package dev.promptbatch.ollama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

import dev.promptbatch.outcome.GenerateResponse;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.ServerQuirks;
import dev.promptbatch.simulator.SimulatorTestSettings;

/** The client against a loopback server that answers with exactly the bodies Ollama can send. */
class OllamaClientTest {
    private HttpServer server;
    private final AtomicReference<String> requestBody = new AtomicReference<>();
    private final AtomicReference<String> authorization = new AtomicReference<>();
    private volatile int status = 200;
    private volatile String answer = "";
    private volatile String retryAfter;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
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
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void sendsStreamFalseAndEverySettingWhereOllamaReadsIt() {
        answer = "{\"model\":\"m\",\"response\":\"ok\",\"done\":true}";
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("temperature", 0.7);
        options.put("seed", 42);
        options.put("stop", List.of("\n\n"));
        client().generate(new GenerateRequest(
                "llama3.2:3b", "Say hi", null, options, Map.of("type", "object"), false, "10m", List.of("aGk=")));
        assertThat(requestBody.get())
                .isEqualTo("{\"model\":\"llama3.2:3b\",\"prompt\":\"Say hi\",\"stream\":false,"
                        + "\"options\":{\"temperature\":0.7,\"seed\":42,\"stop\":[\"\\n\\n\"]},\"format\":{\"type\":\"object\"},"
                        + "\"think\":false,\"keep_alive\":\"10m\",\"images\":[\"aGk=\"]}");
    }

    @Test
    void statisticsOllamaLeavesOutAreNullNotZero() {
        answer = "{\"model\":\"m\",\"created_at\":\"2026-11-21T10:00:00.1Z\",\"response\":\"\",\"done\":true,"
                + "\"done_reason\":\"length\",\"total_duration\":5123456789,\"load_duration\":1000,"
                + "\"prompt_eval_count\":12}";
        GenerateResponse response = client().generate(request());
        assertThat(response)
                .isEqualTo(new GenerateResponse("", null, "length", 12L, null, 5_123_456_789L, 1000L, null, null));
    }

    @Test
    void a200IsAnAnswerOnlyWhenDone() {
        answer = "{\"model\":\"m\",\"response\":\"half an ans\",\"done\":false}";
        assertThatThrownBy(() -> client().generate(request())).isInstanceOfSatisfying(OllamaException.class, e -> {
            assertThat(e.reason()).isEqualTo(OllamaException.Reason.NOT_DONE);
            assertThat(e.failureClass()).isEqualTo(FailureClass.TRANSIENT);
        });
        answer = "<html>502 Bad Gateway</html>";
        assertThatThrownBy(() -> client().generate(request()))
                .isInstanceOfSatisfying(
                        OllamaException.class, e -> assertThat(e.reason()).isEqualTo(OllamaException.Reason.BAD_BODY));
    }

    /** Each answer reaches the exception as its status, message and Retry-After; {@link FailureClassifierTest} has the table. */
    @Test
    void anErrorAnswerBecomesItsStatusTheServersMessageAndItsClass() {
        status = 500;
        answer = "{\"error\":\"option \\\"seed\\\" must be of type integer\"}";
        assertThatThrownBy(() -> client().generate(request())).isInstanceOfSatisfying(OllamaException.class, e -> {
            assertThat(e.getMessage()).isEqualTo("HTTP 500: option \"seed\" must be of type integer");
            assertThat(e.status()).isEqualTo(500);
            assertThat(e.failureClass()).isEqualTo(FailureClass.REJECTED);
        });
        status = 503;
        retryAfter = "7";
        answer = "{\"error\":\"server busy, please try again.  maximum pending requests exceeded\"}";
        assertThatThrownBy(() -> client().generate(request())).isInstanceOfSatisfying(OllamaException.class, e -> {
            assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY);
            assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(7));
        });
        retryAfter = null;
        answer = "{\"detail\": {\"msg\": \"Server is busy; please try again later.\", \"type\": "
                + "\"service_unavailable\"}}";
        assertThatThrownBy(() -> client().generate(request())).isInstanceOfSatisfying(OllamaException.class, e -> {
            assertThat(e.getMessage()).isEqualTo("HTTP 503: Server is busy; please try again later.");
            assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY);
            assertThat(e.retryAfter()).isNull();
        });
        answer = "<html><body>503 Service Temporarily Unavailable</body></html>";
        assertThatThrownBy(() -> client().generate(request()))
                .isInstanceOfSatisfying(
                        OllamaException.class, e -> assertThat(e.failureClass()).isEqualTo(FailureClass.AWAY));
        status = 429;
        answer = "{\"error\": {\"message\": \"Too Many Requests\", \"type\": \"rate_limit\"}}";
        assertThatThrownBy(() -> client().generate(request())).isInstanceOfSatisfying(OllamaException.class, e -> {
            assertThat(e.getMessage()).isEqualTo("HTTP 429: Too Many Requests");
            assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY);
        });
        status = 404;
        answer = "404 page not found";
        assertThatThrownBy(() -> client().generate(request())).isInstanceOfSatisfying(OllamaException.class, e -> {
            assertThat(e.getMessage()).isEqualTo("HTTP 404: 404 page not found");
            assertThat(e.failureClass()).isEqualTo(FailureClass.REJECTED);
        });
    }

    @Test
    void aConnectionTheServerClosedAfterItsLastAnswerIsResentOnAnotherWithoutAFailure() throws IOException {
        try (OllamaSimulator closing = OllamaSimulator.start(
                SimulatorTestSettings.instant().withQuirks(ServerQuirks.none().withClosesConnections(true)))) {
            OllamaClient client = new OllamaClient(
                    ServerAddress.resolve(closing.baseUrl().toString(), null, Map.of()), Duration.ofSeconds(5), 1);
            for (int i = 0; i < 100; i++) {
                assertThat(client.generate(new GenerateRequest(
                                        "llama3.2:3b", "prompt " + i, null, Map.of(), null, null, null, null))
                                .response())
                        .isNotEmpty();
            }
            assertThat(client.closedConnections()).isPositive();
            // The requests sent into closed connections never reached the server: each prompt arrived once.
            assertThat(closing.stats().generateRequests()).isEqualTo(100);
        }
    }

    @Test
    void aServerWithoutApiVersionHasNoVersionRatherThanFailing() {
        status = 404;
        answer = "";
        assertThat(client().version()).isNull();
    }

    @Test
    void credentialsInTheUrlAreSentAsBasicAuthentication() {
        answer = "{\"version\":\"0.33.0\"}";
        OllamaClient client = new OllamaClient(
                ServerAddress.resolve(
                        "http://ann:s%40cret@127.0.0.1:" + server.getAddress().getPort(), null, Map.of()),
                Duration.ofSeconds(5),
                1);
        assertThat(client.version()).isEqualTo("0.33.0");
        assertThat(authorization.get()).isEqualTo("Basic YW5uOnNAY3JldA==");
    }

    @Test
    void anUnreachableServerIsTransientAndSaysSo() {
        int port = server.getAddress().getPort();
        server.stop(0);
        assertThatThrownBy(() -> client(port).generate(request())).isInstanceOfSatisfying(OllamaException.class, e -> {
            assertThat(e.reason()).isEqualTo(OllamaException.Reason.UNREACHABLE);
            assertThat(e.failureClass()).isEqualTo(FailureClass.AWAY);
            assertThat(e.getMessage())
                    .isEqualTo("cannot connect to http://127.0.0.1:" + port + " (is the server running?)");
        });
    }

    @Test
    void aChatRequestGoesToApiChatAndItsMessageIsTheResponse() {
        answer = "{\"model\":\"m\",\"created_at\":\"2026-11-21T10:00:00.1Z\",\"message\":{\"role\":\"assistant\","
                + "\"content\":\"{\\\"a\\\":1}\",\"thinking\":\"hmm\"},\"done\":true,\"done_reason\":\"stop\","
                + "\"total_duration\":900,\"load_duration\":10,\"prompt_eval_count\":7,\"prompt_eval_duration\":100,"
                + "\"eval_count\":3,\"eval_duration\":600}";
        ModelRequest request = new ChatRequest(
                "qwen3:4b",
                List.of(
                        new ChatRequest.Message("system", "Be brief.", null),
                        new ChatRequest.Message("user", "Hi", null)),
                Map.of("seed", 1),
                "json",
                true,
                "5m");

        GenerateResponse response = client().answer(request);

        assertThat(requestBody.get())
                .isEqualTo("{\"model\":\"qwen3:4b\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                        + "{\"role\":\"user\",\"content\":\"Hi\"}],\"stream\":false,\"options\":{\"seed\":1},"
                        + "\"format\":\"json\",\"think\":true,\"keep_alive\":\"5m\"}");
        assertThat(response).isEqualTo(new GenerateResponse("{\"a\":1}", "hmm", "stop", 7L, 3L, 900L, 10L, 100L, 600L));
        assertThat(((ChatRequest) request.withSeed(2)).options()).isEqualTo(Map.of("seed", 2L));
    }

    @Test
    void aChatAnswerIsAnAnswerOnlyWhenDoneAndWithAMessage() {
        answer = "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"cut\"},\"done\":false}";
        assertThatThrownBy(() -> client().chat(chatRequest()))
                .isInstanceOfSatisfying(
                        OllamaException.class, e -> assertThat(e.reason()).isEqualTo(OllamaException.Reason.NOT_DONE));
        answer = "{\"model\":\"m\",\"response\":\"a generate answer\",\"done\":true}";
        assertThatThrownBy(() -> client().chat(chatRequest())).isInstanceOfSatisfying(OllamaException.class, e -> {
            assertThat(e.reason()).isEqualTo(OllamaException.Reason.BAD_BODY);
            assertThat(e.getMessage()).isEqualTo("the answer has no message content");
        });
    }

    private static ChatRequest chatRequest() {
        return new ChatRequest("m", List.of(new ChatRequest.Message("user", "p", null)), Map.of(), null, null, null);
    }

    private OllamaClient client() {
        return client(server.getAddress().getPort());
    }

    private static OllamaClient client(int port) {
        return new OllamaClient(
                ServerAddress.resolve("http://127.0.0.1:" + port, null, Map.of()), Duration.ofSeconds(5), 1);
    }

    private static GenerateRequest request() {
        return new GenerateRequest("m", "p", null, Map.of(), null, null, null, null);
    }
}

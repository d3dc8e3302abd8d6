package dev.promptbatch.ollama;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The HTTP sending every {@link ServerClient} shares: one pooled HTTP/1.1 client (local servers speak no h2c), one
 * header that says who is asking, and a status other than 200 turned into an {@link OllamaException}. One call is one
 * request: retrying is the caller's decision, made from {@link OllamaException#failureClass()}.
 *
 * <p>The one exception is a connection that fails before any byte of a response arrives. Servers built on Python's
 * or Node's HTTP stacks, and proxies with short keep-alive timeouts, close a connection after a response without
 * saying so; the pool hands it out again and the next request on it fails at once. That request never reached the
 * server's work, so it is sent again at once, up to once per pooled connection (each failure closes one, so the
 * last try is on a fresh connection); only then does the failure count. A server that is down answers the fresh
 * connection with a refusal, which counts as before.
 */
public final class HttpTransport {
    public static final JsonMapper JSON = JsonMapper.builder().build();
    /** How long a question about the server (its version, its models) may take. */
    public static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Logger log = LoggerFactory.getLogger(HttpTransport.class);

    private final HttpClient http;
    private final URI baseUrl;
    private final String authorization;
    private final int resends;
    private final AtomicLong closedConnections = new AtomicLong();

    /**
     * @param authorization the {@code Authorization} header's value, or null; never shown
     * @param connections   the most requests in flight at once, which bounds the connections in the pool
     */
    public HttpTransport(URI baseUrl, String authorization, int connections) {
        HttpClient.Builder client =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CONNECT_TIMEOUT);
        if (baseUrl.getScheme().equals("http")) {
            client.sslContext(PlainHttpTls.context());
        }
        this.http = client.build();
        this.baseUrl = baseUrl;
        this.authorization = authorization;
        // The pool holds at most one connection per request in flight, plus the preflight's or a probe's.
        this.resends = connections + 1;
    }

    /** {@code POST path} with a JSON body; the answer's body when the status is 200. */
    public HttpResponse<String> post(String path, Object body, Duration timeout) {
        return send(request(path, timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body), StandardCharsets.UTF_8))
                .build());
    }

    /** {@code GET path} with the metadata timeout. */
    public HttpResponse<String> get(String path) {
        return send(request(path, METADATA_TIMEOUT).GET().build());
    }

    /** Connections the server closed under a request before answering it, each followed by a resend. */
    public long closedConnections() {
        return closedConnections.get();
    }

    /** A 200's body as a JSON object; any other body is a broken answer. */
    public static JsonNode parse(HttpResponse<String> response) {
        try {
            JsonNode node = JSON.readTree(response.body());
            if (node != null && node.isObject()) {
                return node;
            }
        } catch (JacksonException e) {
            // reported below: the body is not the server's JSON
        }
        String body = response.body();
        throw new OllamaException(
                OllamaException.Reason.BAD_BODY,
                "the answer is not the server's JSON: " + (body.length() > 80 ? body.substring(0, 80) + "..." : body),
                null);
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
}

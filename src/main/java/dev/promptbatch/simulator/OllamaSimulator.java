package dev.promptbatch.simulator;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.OffsetDateTime;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An Ollama-compatible HTTP server with synthetic answers, realistic scheduling and injectable faults. It binds
 * 127.0.0.1 only.
 *
 * <p>Serves {@code POST /api/generate}, {@code POST /api/chat}, {@code POST /api/embed}, {@code GET /api/tags},
 * {@code POST /api/show}, {@code GET /api/version} and {@code GET /}; the OpenAI-compatible {@code GET /v1/models},
 * {@code GET /v1/models/{model}}, {@code POST /v1/chat/completions}, {@code POST /v1/completions} and {@code POST /v1/embeddings}, as Ollama's compatibility layer serves them (all but {@code GET /v1/models} behind
 * {@code Authorization: Bearer KEY} when {@link SimulatorSettings#apiKey()} is set, as llama-server); plus admin endpoints for tests in another process: {@code GET /_simulator/stats},
 * {@code POST /_simulator/faults} ({@code {"clear":true,"rates":{"SERVICE_UNAVAILABLE":0.1},"slowMillis":2000,
 * "seed":7}}, every key optional) and {@code POST /_simulator/reset} (statistics).
 */
public final class OllamaSimulator implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OllamaSimulator.class);

    /** Room for bursts of connections from clients with high concurrency. */
    private static final int ACCEPT_BACKLOG = 1024;

    static {
        // The JDK server writes headers and body separately; with Nagle's algorithm on, every answer then waits
        // about 40 ms for the client's delayed ACK. The property is read once, when the first server is created.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final HttpServer server;
    /** In front of the server when it closes every connection after its response, else null. */
    private final ClosingFront front;

    private final URI baseUrl;
    private final ExecutorService executor;
    private final SimulatorSettings settings;
    private final ModelCatalog catalog;
    private final ModelScheduler scheduler;
    private final SimulatorFaults faults = new SimulatorFaults();
    private final SimulatorStats stats = new SimulatorStats();
    private final AtomicBoolean closed = new AtomicBoolean();

    private OllamaSimulator(SimulatorSettings settings) throws IOException {
        this.settings = settings;
        this.catalog = new ModelCatalog(
                settings.models(), OffsetDateTime.now(), settings.quirks().tagsName());
        this.scheduler = new ModelScheduler(settings, stats);
        CompletionHandler generate =
                new CompletionHandler(Endpoint.GENERATE, settings, catalog, scheduler, faults, stats);
        CompletionHandler chat = new CompletionHandler(Endpoint.CHAT, settings, catalog, scheduler, faults, stats);
        EmbedHandler embed = new EmbedHandler(settings, catalog, scheduler, faults, stats);
        OpenAiRoutes openAi = new OpenAiRoutes(
                settings.apiKey(),
                settings.quirks().unavailableWhileLoading(),
                settings.quirks().openAiTimings(),
                scheduler,
                catalog,
                generate,
                chat,
                embed);

        Map<String, Map<String, HttpHandler>> routes = Map.ofEntries(
                Map.entry("/", Map.of("GET", this::root, "HEAD", this::root)),
                Map.entry("/api/version", Map.of("GET", this::version, "HEAD", this::version)),
                Map.entry("/api/tags", Map.of("GET", this::tags, "HEAD", this::tags)),
                Map.entry("/api/show", Map.of("POST", this::show)),
                Map.entry("/api/generate", Map.of("POST", generate)),
                Map.entry("/api/chat", Map.of("POST", chat)),
                Map.entry("/api/embed", Map.of("POST", embed)),
                Map.entry("/v1/models", Map.of("GET", openAi::models)), // open to all, as llama-server's
                Map.entry(OpenAiRoutes.MODEL_PATH + "{model}", Map.of("GET", openAi.guarded(openAi::model))),
                Map.entry("/v1/chat/completions", Map.of("POST", openAi.guarded(openAi::chatCompletions))),
                Map.entry("/v1/completions", Map.of("POST", openAi.guarded(openAi::completions))),
                Map.entry("/v1/embeddings", Map.of("POST", openAi.guarded(openAi::embeddings))),
                Map.entry("/_simulator/stats", Map.of("GET", this::statsEndpoint)),
                Map.entry("/_simulator/faults", Map.of("POST", this::faultsEndpoint)),
                Map.entry("/_simulator/reset", Map.of("POST", this::resetEndpoint)));

        boolean closing = settings.quirks().closesConnections();
        server = HttpServer.create(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), closing ? 0 : settings.port()), ACCEPT_BACKLOG);
        front = closing ? new ClosingFront(settings.port(), server.getAddress().getPort()) : null;
        baseUrl = URI.create("http://" + server.getAddress().getAddress().getHostAddress() + ":"
                + (closing ? front.port() : server.getAddress().getPort()));
        // Requests beyond the slots wait in their handler threads, as they wait in Ollama's queue, so the pool
        // must grow with them instead of blocking new connections.
        executor = Executors.newCachedThreadPool(daemonThreads());
        server.setExecutor(executor);
        server.createContext("/", exchange -> route(routes, exchange));
    }

    /** Starts a simulator; close it to stop the server and release its threads. */
    public static OllamaSimulator start(SimulatorSettings settings) throws IOException {
        OllamaSimulator simulator = new OllamaSimulator(settings);
        simulator.server.start();
        if (settings.quirks().unavailableWhileLoading()) {
            simulator.preloadFirstModel();
        }
        log.debug(
                "Ollama simulator listening on {} (models {}, {} parallel, {} tokens/s)",
                simulator.baseUrl(),
                settings.models(),
                settings.parallel(),
                settings.tokensPerSecond());
        return simulator;
    }

    /** Starts loading the first model, as llama-server loads its model at start; returns once the load is under way. */
    private void preloadFirstModel() throws IOException {
        CountDownLatch loadBegun = new CountDownLatch(1);
        String model = catalog.find(settings.models().get(0)).orElseThrow().name();
        executor.execute(() -> {
            try {
                scheduler.preload(model, loadBegun::countDown);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the simulator is closing
            }
        });
        try {
            loadBegun.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new InterruptedIOException("interrupted while the first model began loading");
        }
    }

    /** {@code http://127.0.0.1:PORT} */
    public URI baseUrl() {
        return baseUrl;
    }

    public int port() {
        return baseUrl.getPort();
    }

    public SimulatorFaults faults() {
        return faults;
    }

    /**
     * Gives one of the server's models another digest ({@code sha256:...}), as a server that pulled another build of
     * the same name reports it; by default a model's digest follows from its name alone.
     */
    public void digest(String model, String digest) {
        catalog.digest(model, digest);
    }

    public SimulatorStats stats() {
        return stats;
    }

    /**
     * Whether this server's answer to {@code request} (a body for {@code endpoint}) is good structured output or how
     * it is bad: see {@link SimulatorSettings#invalidJsonRate()}. {@link AnswerQuality#VALID} for a request without
     * {@code format}.
     *
     * @throws IllegalArgumentException for a request the server would refuse
     */
    public AnswerQuality answerQuality(Endpoint endpoint, JsonNode request) {
        try {
            IncomingGenerateRequest incoming =
                    IncomingGenerateRequest.decode(Exchanges.MAPPER.writeValueAsBytes(request), endpoint);
            GenerationOptions options = GenerationOptions.parse(incoming.options());
            return AnswerQuality.decide(
                    settings.invalidJsonRate(), options.seed(), incoming.prompt(), incoming.validFormat());
        } catch (RequestRefusedException e) {
            throw new IllegalArgumentException("the server refuses this request: " + e.getMessage(), e);
        }
    }

    /** Whether {@link #answerQuality} is {@link AnswerQuality#VALID}: no re-ask needed. */
    public boolean answerIsValid(Endpoint endpoint, JsonNode request) {
        return answerQuality(endpoint, request) == AnswerQuality.VALID;
    }

    /** Connections closed after their one response ({@link ServerQuirks#closesConnections()}), else 0. */
    public long closedConnections() {
        return front == null ? 0 : front.closedConnections();
    }

    /** Stops the server at once; requests in progress are cut off. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            if (front != null) {
                front.close();
            }
            server.stop(0);
            executor.shutdownNow(); // interrupts requests waiting for a load, a slot or their generation time
            log.debug("Ollama simulator on {} stopped", baseUrl);
        }
    }

    private static void route(Map<String, Map<String, HttpHandler>> routes, HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            boolean namesModel =
                    path.startsWith(OpenAiRoutes.MODEL_PATH) && path.length() > OpenAiRoutes.MODEL_PATH.length();
            Map<String, HttpHandler> methods = routes.get(namesModel ? OpenAiRoutes.MODEL_PATH + "{model}" : path);
            if (methods == null) {
                Exchanges.sendText(exchange, 404, "404 page not found");
                return;
            }
            HttpHandler handler = methods.get(exchange.getRequestMethod());
            if (handler == null) {
                Exchanges.sendText(exchange, 405, "405 method not allowed");
                return;
            }
            handler.handle(exchange);
        }
    }

    private void root(HttpExchange exchange) throws IOException {
        Exchanges.sendText(exchange, 200, "Ollama is running");
    }

    private void version(HttpExchange exchange) throws IOException {
        stats.versionRequested();
        try {
            faults.awaitVersionReleased();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the simulator is closing: no answer
            return;
        }
        if (settings.quirks().noVersion()) {
            Exchanges.sendText(exchange, 404, "");
            return;
        }
        Exchanges.sendJson(exchange, 200, Exchanges.object().put("version", settings.version()));
    }

    private void tags(HttpExchange exchange) throws IOException {
        ObjectNode tags = catalog.tags();
        if (settings.quirks().noTagsCapabilities()) {
            tags.get("models").forEach(model -> ((ObjectNode) model).remove("capabilities"));
        }
        Exchanges.sendJson(exchange, 200, tags);
    }

    private void show(HttpExchange exchange) throws IOException {
        if (settings.quirks().noShow()) {
            Exchanges.sendText(exchange, 404, "");
            return;
        }
        try {
            ObjectNode request = readObject(exchange, false);
            String name = request.path("model").asString("");
            if (name.isEmpty()) {
                name = request.path("name").asString(""); // deprecated, still accepted by Ollama
            }
            if (name.isEmpty()) {
                throw new RequestRefusedException(400, "model is required");
            }
            Optional<ModelCatalog.Model> model = catalog.find(name);
            if (model.isEmpty()) {
                throw new RequestRefusedException(404, "model '" + name + "' not found");
            }
            Exchanges.sendJson(exchange, 200, catalog.show(model.get()));
        } catch (RequestRefusedException e) {
            Exchanges.sendError(exchange, e.status(), e.getMessage());
        }
    }

    private void statsEndpoint(HttpExchange exchange) throws IOException {
        ObjectNode body = Exchanges.object();
        body.put("generateRequests", stats.generateRequests());
        body.put("chatRequests", stats.chatRequests());
        body.put("embedRequests", stats.embedRequests());
        body.put("embedInputs", stats.embedInputs());
        ObjectNode byPrompt = body.putObject("requestsByPrompt");
        stats.requestsByPrompt().forEach(byPrompt::put);
        body.put("inFlight", stats.inFlight());
        body.put("maxInFlight", stats.maxInFlight());
        body.put("maxGenerating", stats.maxGenerating());
        ObjectNode loads = body.putObject("loads");
        stats.loads().forEach(loads::put);
        body.put("slotBusyNanos", stats.slotBusyNanos());
        body.put("firstRequestNanos", stats.firstRequestNanos());
        body.put("lastAnswerNanos", stats.lastAnswerNanos());
        body.put("parallel", settings.parallel());
        body.put("busyAnswers", stats.busyAnswers());
        ObjectNode unanswered = body.putObject("unansweredByPrompt");
        stats.unansweredByPrompt().forEach(unanswered::put);
        body.put("closedConnections", closedConnections());
        Exchanges.sendJson(exchange, 200, body);
    }

    /**
     * Applies {@code clear}, then {@code seed}, {@code slowMillis} and {@code rates}, after checking all of them;
     * answers the resulting rates and slowMillis.
     */
    private void faultsEndpoint(HttpExchange exchange) throws IOException {
        try {
            ObjectNode request = readObject(exchange, true);
            Map<Fault, Double> rates = new EnumMap<>(Fault.class);
            for (Map.Entry<String, JsonNode> rate : request.path("rates").properties()) {
                if (!rate.getValue().isNumber()) {
                    throw new RequestRefusedException(400, "rate of " + rate.getKey() + " must be a number");
                }
                rates.put(
                        Fault.valueOf(rate.getKey().toUpperCase(Locale.ROOT)),
                        rate.getValue().doubleValue());
            }
            JsonNode seed = request.path("seed");
            JsonNode slowMillis = request.path("slowMillis");
            if (request.path("clear").asBoolean(false)) {
                faults.clear();
            }
            if (seed.isIntegralNumber()) {
                faults.seed(seed.longValue());
            }
            if (slowMillis.isNumber()) {
                faults.slowMillis(slowMillis.longValue());
            }
            rates.forEach(faults::rate);
        } catch (RequestRefusedException e) {
            Exchanges.sendError(exchange, e.status(), e.getMessage());
            return;
        } catch (IllegalArgumentException e) { // unknown fault name, bad probability or slowMillis
            Exchanges.sendError(exchange, 400, e.getMessage());
            return;
        }
        ObjectNode body = Exchanges.object();
        ObjectNode rates = body.putObject("rates");
        faults.rates().forEach((fault, probability) -> rates.put(fault.name(), probability));
        body.put("slowMillis", faults.slowMillis());
        Exchanges.sendJson(exchange, 200, body);
    }

    private void resetEndpoint(HttpExchange exchange) throws IOException {
        stats.reset();
        statsEndpoint(exchange);
    }

    /** The request's JSON object; an empty body is {@code {}} if {@code emptyAllowed}, else Ollama's 400. */
    private static ObjectNode readObject(HttpExchange exchange, boolean emptyAllowed)
            throws IOException, RequestRefusedException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        if (body.length == 0) {
            if (emptyAllowed) {
                return Exchanges.object();
            }
            throw new RequestRefusedException(400, "missing request body");
        }
        JsonNode node;
        try {
            node = Exchanges.MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw new RequestRefusedException(400, "invalid JSON body: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new RequestRefusedException(400, "the body must be a JSON object");
        }
        return (ObjectNode) node;
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, "ollama-simulator-" + count.incrementAndGet());
            thread.setDaemon(true); // a forgotten simulator must not keep the JVM alive
            return thread;
        };
    }
}

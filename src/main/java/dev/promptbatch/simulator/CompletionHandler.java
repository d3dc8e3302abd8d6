package dev.promptbatch.simulator;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /api/generate} and {@code POST /api/chat}: validation in Ollama's order, faults, scheduling, and the
 * answer. The two differ only in how the request carries its text and the answer carries the model's.
 */
final class CompletionHandler implements HttpHandler {

    private static final Logger log = LoggerFactory.getLogger(CompletionHandler.class);

    /** Reported per token when a speed is 0, so that tokens per second stays finite. */
    private static final long INSTANT_NANOS_PER_TOKEN = 1_000;

    private static final String PROMPT_TOO_LONG = "the prompt is longer than the context length currently available "
            + "to the model; shorten the prompt, adjust the context length in settings, or use a model with a longer "
            + "context length";
    /** llama-server's answer to images for a model without a projector, passed through by Ollama as a string. */
    private static final String NO_VISION = "{\"error\":{\"code\":500,\"message\":\"image input is not supported - "
            + "hint: if this is unexpected, you may need to provide the mmproj\",\"type\":\"server_error\"}}";

    /** Ollama's metrics; each one is left out of the JSON when zero. */
    private record Metrics(
            long totalDuration,
            long loadDuration,
            int promptEvalCount,
            long promptEvalDuration,
            int evalCount,
            long evalDuration) {
        /** What a server that reports every duration as 1 sends instead. */
        Metrics ofOneNs() {
            return new Metrics(1, 1, promptEvalCount, 1, evalCount, 1);
        }
    }

    private final Endpoint endpoint;
    private final SimulatorSettings settings;
    private final ModelCatalog catalog;
    private final ModelScheduler scheduler;
    private final AnswerGenerator generator;
    private final SimulatorFaults faults;
    private final SimulatorStats stats;

    CompletionHandler(
            Endpoint endpoint,
            SimulatorSettings settings,
            ModelCatalog catalog,
            ModelScheduler scheduler,
            SimulatorFaults faults,
            SimulatorStats stats) {
        this.endpoint = endpoint;
        this.settings = settings;
        this.catalog = catalog;
        this.scheduler = scheduler;
        this.generator = new AnswerGenerator(settings.medianTokens(), settings.lengthSigma());
        this.faults = faults;
        this.stats = stats;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        long receivedAt = System.nanoTime();
        stats.requestReceived(endpoint);
        // A request stops being in flight before its answer is sent: a client that has read the whole answer
        // and sends its next request must never be counted twice.
        Exchanges.beforeResponse(exchange, stats::requestAnswered);
        try {
            serve(exchange, receivedAt);
        } catch (RequestRefusedException e) {
            log.debug("{} refused with {}: {}", endpoint.path(), e.status(), e.getMessage());
            Exchanges.sendError(exchange, e.status(), e.getMessage());
        } catch (InterruptedException e) {
            // The simulator is closing: the connection closes without an answer.
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("{} request failed inside the simulator", endpoint.path(), e);
            Exchanges.sendError(exchange, 500, "simulator error: " + e);
        } finally {
            Exchanges.beforeResponse(exchange);
            exchange.close();
        }
    }

    private void serve(HttpExchange exchange, long receivedAt)
            throws IOException, RequestRefusedException, InterruptedException {
        IncomingGenerateRequest request =
                IncomingGenerateRequest.decode(exchange.getRequestBody().readAllBytes(), endpoint);
        stats.promptReceived(request.prompt());
        if (endpoint == Endpoint.CHAT && request.model().isEmpty()) {
            throw new RequestRefusedException(400, "model is required");
        }
        ModelCatalog.Model model = catalog.find(request.model())
                .orElseThrow(() -> new RequestRefusedException(404, "model '" + request.model() + "' not found"));
        Long keepAlive = request.keepAliveNanos();
        if (request.loadOnly() && keepAlive != null && keepAlive == 0) {
            // Ollama answers this before any other check, and without loading the model.
            scheduler.unloadWhenIdle(model.name());
            Exchanges.sendJson(exchange, 200, stub(request, "unload"));
            return;
        }
        if (model.traits().embedding()) {
            throw new RequestRefusedException(
                    400, GoFormats.quote(request.model()) + " does not support " + endpoint.capabilityVerb());
        }
        boolean thinks = request.thinks(model);
        GenerationOptions options = GenerationOptions.parse(request.options());
        if (request.loadOnly()) {
            scheduler.release(scheduler.acquire(model.name(), keepAlive));
            Exchanges.sendJson(exchange, 200, stub(request, "load"));
            return;
        }
        JsonNode format = request.validFormat();
        if (request.imageCount() > 0 && !model.traits().vision()) {
            // Ollama has no vision check: the runner refuses, and Ollama passes its body on as text.
            throw new RequestRefusedException(500, NO_VISION);
        }

        SimulatedRequest simulated =
                new SimulatedRequest(request.model(), request.prompt(), request.system(), request.optionValues());
        Optional<Fault> fault = faults.pick(simulated);
        AnswerQuality quality =
                AnswerQuality.decide(settings.invalidJsonRate(), options.seed(), request.prompt(), format);
        SyntheticAnswer answer = generator.answer(
                model.name(),
                request.system(),
                request.conversation(),
                options,
                thinks,
                format,
                quality,
                request.promptTokens());
        if (fault.isEmpty()) {
            generate(exchange, request, model, answer, receivedAt);
            return;
        }
        log.debug("injecting {} into a {} request for {}", fault.get(), endpoint.path(), request.model());
        if (FaultAnswers.answer(exchange, fault.get(), request.prompt(), PROMPT_TOO_LONG, stats)) {
            return;
        }
        switch (fault.get()) {
            case TRUNCATED_BODY -> {
                stats.unanswered(request.prompt());
                sendTruncated(exchange, request, answer, receivedAt);
            }
            case NOT_DONE -> sendNotDone(exchange, request, answer);
            case SLOW -> {
                TimeUnit.MILLISECONDS.sleep(faults.slowMillis());
                generate(exchange, request, model, answer, receivedAt);
            }
            default -> throw new IllegalStateException("answered above: " + fault.get());
        }
    }

    /** Loads the model if needed, waits for a slot, generates at the configured speed and answers. */
    private void generate(
            HttpExchange exchange,
            IncomingGenerateRequest request,
            ModelCatalog.Model model,
            SyntheticAnswer answer,
            long receivedAt)
            throws IOException, InterruptedException, RequestRefusedException {
        long promptEvalNanos = duration(answer.promptEvalCount(), settings.promptTokensPerSecond());
        long evalNanos = duration(answer.evalCount(), settings.tokensPerSecond());
        // A speed of 0 means no waiting at all, though the reported duration is not 0.
        long promptWait = settings.promptTokensPerSecond() > 0 ? promptEvalNanos : 0;
        long evalWait = settings.tokensPerSecond() > 0 ? evalNanos : 0;
        ModelScheduler.Runner runner = scheduler.acquire(model.name(), request.keepAliveNanos());
        try {
            long loadNanos = System.nanoTime() - receivedAt;
            if (runner.queueFull(settings.quirks().maxQueue())) {
                stats.busyAnswered(request.prompt());
                throw new RequestRefusedException(503, FaultAnswers.SERVER_BUSY);
            }
            stats.slotWaitStarted();
            try {
                runner.acquireSlot();
            } finally {
                stats.slotWaitEnded();
            }
            stats.generationStarted();
            long slotStart = System.nanoTime();
            try {
                if (request.stream()) {
                    stream(exchange, request, answer, slotStart + promptWait, evalWait);
                    Metrics metrics = new Metrics(
                            System.nanoTime() - receivedAt,
                            loadNanos,
                            answer.promptEvalCount(),
                            promptEvalNanos,
                            answer.evalCount(),
                            evalNanos);
                    Exchanges.beforeResponse(exchange);
                    writeLine(
                            exchange.getResponseBody(),
                            finalChunk(request, "", "", answer.doneReason(), reported(metrics)));
                    return;
                }
                sleepUntil(slotStart + promptWait + evalWait);
            } finally {
                // Counted before the slot is free, so the next request's start never overlaps this one's end.
                stats.generationFinished(System.nanoTime() - slotStart);
                runner.releaseSlot();
            }
            // A non-streamed answer is sent after the slot is free: a slow reader must not hold it.
            Metrics metrics = new Metrics(
                    System.nanoTime() - receivedAt,
                    loadNanos,
                    answer.promptEvalCount(),
                    promptEvalNanos,
                    answer.evalCount(),
                    evalNanos);
            Exchanges.sendJson(
                    exchange,
                    200,
                    finalChunk(request, answer.response(), answer.thinking(), answer.doneReason(), reported(metrics)));
        } finally {
            scheduler.release(runner);
        }
    }

    /** The metrics as this server reports them: see {@link ServerQuirks#durationsOfOneNs()}. */
    private Metrics reported(Metrics metrics) {
        return settings.quirks().durationsOfOneNs() ? metrics.ofOneNs() : metrics;
    }

    /**
     * NDJSON, one chunk per token, spread evenly over {@code evalWait} after {@code generationStart}; the caller
     * writes the final chunk.
     */
    private void stream(
            HttpExchange exchange,
            IncomingGenerateRequest request,
            SyntheticAnswer answer,
            long generationStart,
            long evalWait)
            throws IOException, InterruptedException {
        sleepUntil(generationStart);
        exchange.getResponseHeaders().set("Content-Type", Exchanges.NDJSON);
        exchange.sendResponseHeaders(200, 0); // chunked; in flight until the final chunk
        OutputStream out = exchange.getResponseBody();
        List<ObjectNode> chunks = chunks(request, answer);
        for (int i = 0; i < chunks.size(); i++) {
            sleepUntil(generationStart + evalWait * (i + 1) / chunks.size());
            writeLine(out, chunks.get(i));
        }
    }

    /**
     * Announces the whole answer's length but sends only half of it. The JDK server then refuses to close the
     * body stream normally; letting that IOException escape the handler makes it drop the connection.
     */
    private void sendTruncated(
            HttpExchange exchange, IncomingGenerateRequest request, SyntheticAnswer answer, long receivedAt)
            throws IOException {
        Metrics metrics = new Metrics(
                System.nanoTime() - receivedAt,
                0,
                answer.promptEvalCount(),
                duration(answer.promptEvalCount(), settings.promptTokensPerSecond()),
                answer.evalCount(),
                duration(answer.evalCount(), settings.tokensPerSecond()));
        byte[] body;
        String contentType;
        if (request.stream()) {
            List<ObjectNode> lines = chunks(request, answer);
            lines.add(finalChunk(request, "", "", answer.doneReason(), metrics));
            body = ndjson(lines);
            contentType = Exchanges.NDJSON;
        } else {
            body = Exchanges.bytes(
                    finalChunk(request, answer.response(), answer.thinking(), answer.doneReason(), metrics));
            contentType = Exchanges.JSON;
        }
        Exchanges.beforeResponse(exchange);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(200, body.length);
        OutputStream out = exchange.getResponseBody();
        out.write(body, 0, body.length / 2);
        out.flush();
        out.close(); // throws "insufficient bytes written to stream"
    }

    /** What Ollama returns when the runner's stream ended without a stop event: done false, no metrics. */
    private void sendNotDone(HttpExchange exchange, IncomingGenerateRequest request, SyntheticAnswer answer)
            throws IOException {
        List<String> pieces = answer.responsePieces();
        List<String> partial = pieces.subList(0, pieces.size() / 2);
        if (request.stream()) {
            List<ObjectNode> lines = new ArrayList<>();
            partial.forEach(piece -> lines.add(chunk(request, piece, "")));
            Exchanges.send(exchange, 200, Exchanges.NDJSON, ndjson(lines));
        } else {
            Exchanges.sendJson(exchange, 200, chunk(request, String.join("", partial), ""));
        }
    }

    /** The streamed chunks before the final one: thinking pieces first, then response pieces. */
    private static List<ObjectNode> chunks(IncomingGenerateRequest request, SyntheticAnswer answer) {
        List<ObjectNode> chunks = new ArrayList<>();
        answer.thinkingPieces().forEach(piece -> chunks.add(chunk(request, "", piece)));
        answer.responsePieces().forEach(piece -> chunks.add(chunk(request, piece, "")));
        return chunks;
    }

    /** Generate answers in {@code response}, chat in {@code message}; thinking only when there is some. */
    private static ObjectNode chunk(IncomingGenerateRequest request, String response, String thinking) {
        ObjectNode chunk = Exchanges.object();
        chunk.put("model", request.model()); // Ollama echoes the name as sent
        chunk.put("created_at", GoFormats.nowUtc());
        ObjectNode text = chunk;
        if (request.endpoint() == Endpoint.CHAT) {
            text = chunk.putObject("message");
            text.put("role", "assistant");
            text.put("content", response);
        } else {
            chunk.put("response", response);
        }
        if (!thinking.isEmpty()) {
            text.put("thinking", thinking);
        }
        chunk.put("done", false);
        return chunk;
    }

    private static ObjectNode finalChunk(
            IncomingGenerateRequest request, String response, String thinking, String doneReason, Metrics metrics) {
        ObjectNode chunk = chunk(request, response, thinking);
        chunk.put("done", true);
        chunk.put("done_reason", doneReason);
        putIfPositive(chunk, "total_duration", metrics.totalDuration());
        putIfPositive(chunk, "load_duration", metrics.loadDuration());
        putIfPositive(chunk, "prompt_eval_count", metrics.promptEvalCount());
        putIfPositive(chunk, "prompt_eval_duration", metrics.promptEvalDuration());
        putIfPositive(chunk, "eval_count", metrics.evalCount());
        putIfPositive(chunk, "eval_duration", metrics.evalDuration());
        return chunk;
    }

    /** The answer to an empty prompt: no generation, no metrics. */
    private static ObjectNode stub(IncomingGenerateRequest request, String doneReason) {
        ObjectNode stub = chunk(request, "", "");
        stub.put("done", true);
        stub.put("done_reason", doneReason);
        return stub;
    }

    private static void putIfPositive(ObjectNode node, String name, long value) {
        if (value > 0) {
            node.put(name, value);
        }
    }

    private static long duration(int tokens, double tokensPerSecond) {
        return tokensPerSecond > 0 ? Math.round(tokens * 1e9 / tokensPerSecond) : tokens * INSTANT_NANOS_PER_TOKEN;
    }

    private static byte[] ndjson(List<ObjectNode> lines) {
        StringBuilder text = new StringBuilder();
        lines.forEach(
                line -> text.append(Exchanges.MAPPER.writeValueAsString(line)).append('\n'));
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void writeLine(OutputStream out, ObjectNode line) throws IOException {
        out.write(Exchanges.bytes(line));
        out.write('\n');
        out.flush();
    }

    private static void sleepUntil(long deadlineNanos) throws InterruptedException {
        long remaining = deadlineNanos - System.nanoTime();
        if (remaining > 0) {
            TimeUnit.NANOSECONDS.sleep(remaining);
        }
    }
}

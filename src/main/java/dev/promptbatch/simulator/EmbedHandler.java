package dev.promptbatch.simulator;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /api/embed}: one unit vector per input, a pure function of the model and the (possibly truncated)
 * input, with Ollama's checks, statistics and errors. Faults apply as to generation.
 */
final class EmbedHandler implements HttpHandler {

    private static final Logger log = LoggerFactory.getLogger(EmbedHandler.class);

    /** Ollama's embedding batch ({@code num_batch}) default: no input may be longer, whatever the context. */
    private static final long DEFAULT_NUM_BATCH = 2048;

    /** Begin- and end-of-sequence tokens that the tokenizer adds to every input. */
    private static final int SPECIAL_TOKENS = 2;

    private static final String TOO_LONG = "the input length exceeds the context length";
    /** What a chat model's llama-server (started without --embeddings) answers, passed through as a string. */
    private static final String NOT_EMBEDDING = "{\"error\":{\"code\":501,\"message\":\"This server does not support "
            + "embeddings. Start it with `--embeddings`\",\"type\":\"not_supported_error\"}}";

    private final SimulatorSettings settings;
    private final ModelCatalog catalog;
    private final ModelScheduler scheduler;
    private final SimulatorFaults faults;
    private final SimulatorStats stats;

    EmbedHandler(
            SimulatorSettings settings,
            ModelCatalog catalog,
            ModelScheduler scheduler,
            SimulatorFaults faults,
            SimulatorStats stats) {
        this.settings = settings;
        this.catalog = catalog;
        this.scheduler = scheduler;
        this.faults = faults;
        this.stats = stats;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        long receivedAt = System.nanoTime();
        stats.embedRequestReceived();
        Exchanges.beforeResponse(exchange, stats::requestAnswered);
        try {
            serve(exchange, receivedAt);
        } catch (RequestRefusedException e) {
            log.debug("embed refused with {}: {}", e.status(), e.getMessage());
            Exchanges.sendError(exchange, e.status(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the simulator is closing
        } catch (RuntimeException e) {
            log.warn("embed request failed inside the simulator", e);
            Exchanges.sendError(exchange, 500, "simulator error: " + e);
        } finally {
            Exchanges.beforeResponse(exchange);
            exchange.close();
        }
    }

    private void serve(HttpExchange exchange, long receivedAt)
            throws IOException, RequestRefusedException, InterruptedException {
        IncomingEmbedRequest request =
                IncomingEmbedRequest.decode(exchange.getRequestBody().readAllBytes());
        stats.embedInputsReceived(request.inputs().size());
        if (request.model().isEmpty()) {
            throw new RequestRefusedException(404, "model '' not found");
        }
        ModelCatalog.Model model = catalog.find(request.model())
                .orElseThrow(() -> new RequestRefusedException(
                        404, "model " + GoFormats.quote(request.model()) + " not found, try pulling it first"));
        GenerationOptions options = GenerationOptions.parse(request.options());
        if (request.inputs().isEmpty()) {
            scheduler.release(scheduler.acquire(model.name(), request.keepAliveNanos()));
            Exchanges.sendJson(exchange, 200, answer(request, List.of()));
            return;
        }
        SimulatedRequest simulated =
                new SimulatedRequest(request.model(), request.prompt(), "", request.optionValues());
        Optional<Fault> fault = faults.pick(simulated);
        if (fault.isEmpty()) {
            embed(exchange, request, model, options, receivedAt);
            return;
        }
        log.debug("injecting {} into an embed request for {}", fault.get(), request.model());
        if (FaultAnswers.answer(exchange, fault.get(), request.prompt(), TOO_LONG, stats)) {
            return;
        }
        switch (fault.get()) {
            case TRUNCATED_BODY -> {
                stats.unanswered(request.prompt());
                sendTruncated(exchange, request, model, options, receivedAt);
            }
            // The embedding counterpart of an unfinished answer: a 200 whose vectors do not match the inputs.
            case NOT_DONE -> Exchanges.sendJson(exchange, 200, answer(request, List.of()));
            case SLOW -> {
                TimeUnit.MILLISECONDS.sleep(faults.slowMillis());
                embed(exchange, request, model, options, receivedAt);
            }
            default -> throw new IllegalStateException("answered above: " + fault.get());
        }
    }

    /** Loads the model if needed, takes a slot for the time the inputs' tokens take, and answers. */
    private void embed(
            HttpExchange exchange,
            IncomingEmbedRequest request,
            ModelCatalog.Model model,
            GenerationOptions options,
            long receivedAt)
            throws IOException, InterruptedException, RequestRefusedException {
        ModelScheduler.Runner runner = scheduler.acquire(model.name(), request.keepAliveNanos());
        try {
            long loadNanos = System.nanoTime() - receivedAt;
            if (!model.traits().embedding()) {
                // Ollama has no capability check here: the chat model's runner refuses.
                throw new RequestRefusedException(501, NOT_EMBEDDING);
            }
            List<String> embedded = truncated(request, model, options);
            int tokens = embedded.stream().mapToInt(EmbedHandler::tokens).sum();
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
                if (settings.promptTokensPerSecond() > 0) {
                    long wait = Math.round(tokens * 1e9 / settings.promptTokensPerSecond());
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            } finally {
                stats.generationFinished(System.nanoTime() - slotStart);
                runner.releaseSlot();
            }
            List<float[]> vectors = new ArrayList<>();
            for (String input : embedded) {
                vectors.add(vector(model, input, request.dimensions()));
            }
            ObjectNode answer = answer(request, vectors);
            putIfPositive(answer, "total_duration", reported(System.nanoTime() - receivedAt));
            putIfPositive(answer, "load_duration", reported(loadNanos));
            putIfPositive(answer, "prompt_eval_count", tokens);
            Exchanges.sendJson(exchange, 200, answer);
        } finally {
            scheduler.release(runner);
        }
    }

    /** Announces the whole answer's length but sends half of it, as {@link CompletionHandler} does. */
    private void sendTruncated(
            HttpExchange exchange,
            IncomingEmbedRequest request,
            ModelCatalog.Model model,
            GenerationOptions options,
            long receivedAt)
            throws IOException, RequestRefusedException {
        List<float[]> vectors = new ArrayList<>();
        for (String input : truncated(request, model, options)) {
            vectors.add(vector(model, input, request.dimensions()));
        }
        ObjectNode answer = answer(request, vectors);
        putIfPositive(answer, "total_duration", System.nanoTime() - receivedAt);
        byte[] body = Exchanges.bytes(answer);
        Exchanges.beforeResponse(exchange);
        exchange.getResponseHeaders().set("Content-Type", Exchanges.JSON);
        exchange.sendResponseHeaders(200, body.length);
        OutputStream out = exchange.getResponseBody();
        out.write(body, 0, body.length / 2);
        out.flush();
        out.close(); // throws "insufficient bytes written to stream"
    }

    /**
     * The inputs as the model sees them: each cut to the token limit, or with {@code truncate: false} Ollama's 400
     * for the first one that is too long. The limit is the smaller of the context ({@code num_ctx} or the model's)
     * and the batch, less the special tokens.
     */
    private static List<String> truncated(
            IncomingEmbedRequest request, ModelCatalog.Model model, GenerationOptions options)
            throws RequestRefusedException {
        long context = model.traits().contextLength();
        String numCtx = options.canonical().get("num_ctx");
        if (numCtx != null && Long.parseLong(numCtx) > 0) {
            context = Math.min(context, Long.parseLong(numCtx));
        }
        long limit = Math.max(1, Math.min(context, DEFAULT_NUM_BATCH) - SPECIAL_TOKENS);
        List<String> inputs = new ArrayList<>(request.inputs().size());
        for (String input : request.inputs()) {
            String[] words = words(input);
            if (words.length <= limit) {
                inputs.add(input);
            } else if (request.truncate()) {
                inputs.add(String.join(" ", Arrays.copyOf(words, (int) limit)));
            } else {
                throw new RequestRefusedException(400, TOO_LONG);
            }
        }
        return inputs;
    }

    /**
     * A unit vector from the model and input alone. {@code dimensions} between 0 and the model's length cuts it and
     * normalises it again, as Ollama does; other values are ignored.
     */
    static float[] vector(ModelCatalog.Model model, String input, int dimensions) {
        int length = model.traits().embeddingLength();
        SplitMix64 random = SplitMix64.of(List.of("embedding", model.name(), input));
        double[] values = new double[length];
        for (int i = 0; i < length; i++) {
            values[i] = random.nextGaussian();
        }
        int kept = dimensions > 0 && dimensions < length ? dimensions : length;
        double norm = 0;
        for (int i = 0; i < kept; i++) {
            norm += values[i] * values[i];
        }
        norm = Math.sqrt(norm);
        float[] vector = new float[kept];
        for (int i = 0; i < kept; i++) {
            vector[i] = (float) (values[i] / norm);
        }
        return vector;
    }

    /** A token per word, plus the special tokens. */
    private static int tokens(String input) {
        return words(input).length + SPECIAL_TOKENS;
    }

    private static String[] words(String input) {
        String trimmed = input.strip();
        return trimmed.isEmpty() ? new String[0] : trimmed.split("\\s+");
    }

    private long reported(long nanos) {
        return settings.quirks().durationsOfOneNs() ? 1 : nanos;
    }

    private static ObjectNode answer(IncomingEmbedRequest request, List<float[]> vectors) {
        ObjectNode answer = Exchanges.object();
        answer.put("model", request.model());
        ArrayNode embeddings = answer.putArray("embeddings");
        for (float[] vector : vectors) {
            ArrayNode values = embeddings.addArray();
            for (float value : vector) {
                values.add(value);
            }
        }
        return answer;
    }

    private static void putIfPositive(ObjectNode node, String name, long value) {
        if (value > 0) {
            node.put(name, value);
        }
    }
}

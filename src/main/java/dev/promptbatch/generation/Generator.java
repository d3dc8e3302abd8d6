package dev.promptbatch.generation;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.promptbatch.ollama.GenerateResponse;
import dev.promptbatch.ollama.OllamaClient;
import dev.promptbatch.ollama.OllamaException;
import dev.promptbatch.output.Answer;
import dev.promptbatch.output.Failure;
import dev.promptbatch.output.Outcome;
import dev.promptbatch.spec.JobSpec;
import dev.promptbatch.spec.RetrySpec;
import io.github.resilience4j.core.functions.Either;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;

/**
 * Turns one work item into an outcome. A bad record becomes a failure without a request. Otherwise the model is
 * loaded once (a warm-up request, so the first records do not pay the load under their timeout), and the request is
 * sent through the {@link ServerGate} and retried with exponential backoff and full jitter while it fails in a way
 * that can pass. A request the server rejects (4xx, or a 500 naming a mistake in the request) is a failure
 * ({@code rejected}); so is one that keeps timing out or getting a broken answer ({@code retries-exhausted}).
 * A server that is unreachable or overloaded never fails a record: the request waits for it, and past
 * {@code max-outage} the run fails, resumably. Safe to call from many threads.
 */
public final class Generator {
    public static final String RETRIES_EXHAUSTED = "retries-exhausted";

    private static final Logger log = LoggerFactory.getLogger(Generator.class);
    private static final Duration SHORTEST_LOAD_TIMEOUT = Duration.ofMinutes(15);

    private final JobSpec spec;
    private final OllamaClient client;
    private final ServerGate gate;
    private final RequestBuilder requests;
    private final Retry retry;
    private final Map<String, CompletableFuture<Void>> loaded = new ConcurrentHashMap<>();

    public Generator(JobSpec spec, OllamaClient client, ServerGate gate) {
        this.spec = spec;
        this.client = client;
        this.gate = gate;
        this.requests = new RequestBuilder(spec);
        this.retry = Retry.of("generate", retryConfig(spec.retry()));
    }

    public Outcome generate(WorkItem item) {
        RequestBuilder.Prepared prepared = requests.prepare(item);
        if (prepared instanceof RequestBuilder.Bad bad) {
            return bad.failure();
        }
        RequestBuilder.Ready ready = (RequestBuilder.Ready) prepared;
        load(item.model());
        AtomicInteger attempts = new AtomicInteger();
        AtomicLong latencyMs = new AtomicLong();
        long serverDownSince = 0;
        while (true) {
            try {
                GenerateResponse response = retry.executeSupplier(() -> send(() -> client.generate(ready.request()),
                        attempts, latencyMs));
                return new Answer(ready.id(), ready.record().line(), item.cell(), ready.seed(), response,
                        latencyMs.get(), attempts.get(), ready.included());
            } catch (OllamaException e) {
                if (!e.isTransient()) {
                    return failure(ready, item, Failure.REJECTED, e.getMessage(), attempts.get());
                }
                if (!e.serverDown()) {
                    return failure(ready, item, RETRIES_EXHAUSTED, e.getMessage() + " (" + attempts.get()
                            + " attempts)", attempts.get());
                }
                // Unreachable or overloaded says nothing against the record: keep trying, up to max-outage.
                long now = System.nanoTime();
                serverDownSince = serverDownSince == 0 ? now : serverDownSince;
                if (now - serverDownSince > spec.maxOutage().toNanos()) {
                    throw new GenerationFailedException("record " + ready.record().number() + " (line "
                            + ready.record().line() + "): " + e.getMessage() + " for longer than max-outage ("
                            + spec.maxOutage().toSeconds() + " s)", e);
                }
            }
        }
    }

    /** One request through the gate: waits while the server is away, and tells the gate how it went. */
    private <T> T send(Supplier<T> request, AtomicInteger attempts, AtomicLong latencyMs) {
        try {
            gate.enter();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for the server");
        }
        attempts.incrementAndGet();
        long start = System.nanoTime();
        try {
            T result = request.get();
            long nanos = System.nanoTime() - start;
            gate.succeeded(nanos);
            latencyMs.set(nanos / 1_000_000);
            return result;
        } catch (OllamaException e) {
            gate.failed(System.nanoTime() - start, e);
            throw e;
        } catch (RuntimeException e) {
            gate.abandoned();
            throw e;
        }
    }

    /**
     * Loads the model before its first request, once: the others wait for it. The load has a generous timeout of
     * its own, since a big model can take minutes. A failed load is only reported: the requests will say more.
     */
    private void load(String model) {
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> first = loaded.putIfAbsent(model, mine);
        if (first != null) {
            first.join();
            return;
        }
        Duration timeout = spec.timeout().compareTo(SHORTEST_LOAD_TIMEOUT) > 0 ? spec.timeout()
                : SHORTEST_LOAD_TIMEOUT;
        try {
            AtomicLong wallMs = new AtomicLong();
            Long loadNanos = retry.executeSupplier(() -> send(() -> client.load(model, spec.keepAlive(), timeout),
                    new AtomicInteger(), wallMs));
            log.info("Model {} ready in {} ms{}", model, wallMs.get(), loadNanos == null ? ""
                    : " (load_duration " + loadNanos / 1_000_000 + " ms)");
        } catch (OllamaException e) {
            log.warn("Could not load {} ahead of its requests: {}", model, e.getMessage());
        } finally {
            mine.complete(null);
        }
    }

    private Failure failure(RequestBuilder.Ready ready, WorkItem item, String kind, String message, int attempts) {
        log.debug("record {} failed for good: {}", ready.record().number(), message);
        return new Failure(ready.id(), ready.record().line(), item.cell(), ready.seed(), kind, message, attempts);
    }

    private static <T> RetryConfig retryConfig(RetrySpec policy) {
        long initial = policy.initialBackoff().toMillis();
        long max = policy.maxBackoff().toMillis();
        return RetryConfig.<T>custom()
                .maxAttempts(policy.maxAttempts())
                .retryOnException(e -> e instanceof OllamaException o && o.isTransient())
                .intervalBiFunction((Integer attempt, Either<Throwable, T> outcome) -> {
                    long ceiling = (long) Math.min(max, initial * Math.pow(2, attempt - 1));
                    long wait = ThreadLocalRandom.current().nextLong(ceiling + 1);
                    if (outcome.isLeft() && outcome.getLeft() instanceof OllamaException o
                            && o.retryAfter() != null) {
                        wait = Math.max(wait, Math.min(o.retryAfter().toMillis(), max));
                    }
                    return wait;
                })
                .build();
    }
}

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

import dev.promptbatch.ollama.FailureClass;
import dev.promptbatch.ollama.OllamaClient;
import dev.promptbatch.ollama.OllamaException;
import dev.promptbatch.outcome.Answer;
import dev.promptbatch.outcome.Failure;
import dev.promptbatch.outcome.FailureKind;
import dev.promptbatch.outcome.GenerateResponse;
import dev.promptbatch.outcome.Outcome;
import dev.promptbatch.servers.AdaptiveConcurrency;
import dev.promptbatch.servers.GenerationFailedException;
import dev.promptbatch.servers.ServerGate;
import dev.promptbatch.servers.Ticker;
import dev.promptbatch.spec.JobSpec;
import dev.promptbatch.spec.RetrySpec;

/**
 * Turns one work item into an outcome. A bad record becomes a failure without a request. Otherwise the model is
 * loaded once (a warm-up request, so the first records do not pay the load under their timeout), and the request is
 * sent through the {@link ServerGate} and retried with exponential backoff and full jitter while it fails in a way
 * that can pass. A request the server rejects (4xx, or a 500 naming a mistake in the request) is a failure
 * ({@code rejected}); so is one that keeps timing out or getting a broken answer ({@code retries-exhausted}).
 * A server that is unreachable never fails a record: the request waits for it, and past {@code max-outage} the run
 * fails, resumably. A server that is busy (429, 503 "busy") is there: the request waits a little and goes again, and
 * the {@link AdaptiveConcurrency} sends fewer at once. Time and waiting come from the {@link Ticker}. Safe to call
 * from many threads.
 */
public final class Generator {
    private static final Logger log = LoggerFactory.getLogger(Generator.class);
    private static final Duration SHORTEST_LOAD_TIMEOUT = Duration.ofMinutes(15);

    private final JobSpec spec;
    private final OllamaClient client;
    private final ServerGate gate;
    private final AdaptiveConcurrency concurrency;
    private final String server;
    private final RequestBuilder requests;
    private final Ticker ticker;
    private final Map<String, CompletableFuture<Void>> loaded = new ConcurrentHashMap<>();

    public Generator(
            JobSpec spec,
            OllamaClient client,
            String server,
            ServerGate gate,
            AdaptiveConcurrency concurrency,
            Ticker ticker) {
        this.spec = spec;
        this.client = client;
        this.server = server;
        this.gate = gate;
        this.concurrency = concurrency;
        this.requests = new RequestBuilder(spec);
        this.ticker = ticker;
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
        Long awaySince = null;
        while (true) {
            try {
                GenerateResponse response = withRetries(() -> client.generate(ready.request()), attempts, latencyMs);
                return new Answer(
                        ready.id(),
                        ready.record().line(),
                        item.cell(),
                        ready.seed(),
                        response,
                        latencyMs.get(),
                        attempts.get(),
                        server,
                        ready.included());
            } catch (OllamaException e) {
                if (e.failureClass() == FailureClass.REJECTED) {
                    return failure(ready, item, FailureKind.REJECTED, e.getMessage(), attempts.get());
                }
                if (e.failureClass() != FailureClass.AWAY) {
                    return failure(
                            ready,
                            item,
                            FailureKind.RETRIES_EXHAUSTED,
                            e.getMessage() + " (" + attempts.get() + " attempts)",
                            attempts.get());
                }
                // A server that is away says nothing against the record: keep trying, up to max-outage.
                long now = ticker.nanoTime();
                awaySince = awaySince == null ? now : awaySince;
                if (now - awaySince > spec.limits().maxOutage().toNanos()) {
                    throw new GenerationFailedException(
                            "record " + ready.record().number() + " (line "
                                    + ready.record().line() + "): " + e.getMessage() + " for longer than max-outage ("
                                    + spec.limits().maxOutage().toSeconds() + " s)",
                            e);
                }
            }
        }
    }

    /**
     * Sends until an answer, up to {@code max-attempts} in all, while the failure can pass: each retry waits with
     * exponential backoff and full jitter, and at least the server's Retry-After (up to {@code max-backoff}).
     */
    private <T> T withRetries(Supplier<T> request, AtomicInteger attempts, AtomicLong latencyMs) {
        RetrySpec policy = spec.limits().retry();
        for (int attempt = 1; ; attempt++) {
            try {
                return send(request, attempts, latencyMs);
            } catch (OllamaException e) {
                if (e.failureClass() == FailureClass.REJECTED || attempt >= policy.maxAttempts()) {
                    throw e;
                }
                long wait = jitter(policy, attempt);
                if (e.retryAfter() != null) {
                    wait = Math.max(
                            wait,
                            Math.min(
                                    e.retryAfter().toMillis(),
                                    policy.maxBackoff().toMillis()));
                }
                pause(wait, "interrupted while waiting to send a request again");
            }
        }
    }

    /**
     * One request through the gate and within the server's concurrency: waits while the server is away, and tells
     * both how it went. A busy answer is no attempt: the request waits (Retry-After, else backoff with full jitter)
     * and goes again, while the concurrency drops; only a server busy for longer than {@code max-outage} with no
     * answer to this request fails the run, resumably.
     */
    private <T> T send(Supplier<T> request, AtomicInteger attempts, AtomicLong latencyMs) {
        long busySince = 0;
        for (int busyInARow = 0; ; busyInARow++) {
            AdaptiveConcurrency.Permit permit;
            try {
                gate.enter();
                permit = concurrency.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancellationException("interrupted while waiting for the server");
            }
            long start = ticker.nanoTime();
            OllamaException busy;
            try {
                T result = request.get();
                long nanos = ticker.nanoTime() - start;
                gate.succeeded(nanos);
                concurrency.answered();
                attempts.incrementAndGet();
                latencyMs.set(nanos / 1_000_000);
                return result;
            } catch (OllamaException e) {
                if (e.failureClass() != FailureClass.BUSY) {
                    attempts.incrementAndGet();
                    gate.failed(ticker.nanoTime() - start, e);
                    throw e;
                }
                gate.succeeded(ticker.nanoTime() - start); // a busy server is there
                concurrency.busy(permit, e.getMessage());
                busy = e;
            } catch (RuntimeException e) {
                gate.abandoned();
                throw e;
            } finally {
                concurrency.release();
            }
            long now = ticker.nanoTime();
            busySince = busyInARow == 0 ? now : busySince;
            if (now - busySince > spec.limits().maxOutage().toNanos()) {
                throw new GenerationFailedException(
                        "the server at " + server + " has been busy for "
                                + Duration.ofNanos(now - busySince).toSeconds() + " s, longer than max-outage ("
                                + spec.limits().maxOutage().toSeconds() + " s): " + busy.getMessage(),
                        busy);
            }
            waitWhileBusy(busy, busyInARow);
        }
    }

    private void waitWhileBusy(OllamaException busy, int busyInARow) {
        long max = spec.limits().retry().maxBackoff().toMillis();
        pause(
                busy.retryAfter() != null
                        ? Math.min(busy.retryAfter().toMillis(), max)
                        : jitter(spec.limits().retry(), busyInARow + 1),
                "interrupted while the server was busy");
    }

    private void pause(long millis, String interrupted) {
        try {
            ticker.sleep(Duration.ofMillis(millis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException(interrupted);
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
        Duration timeout = spec.limits().timeout().compareTo(SHORTEST_LOAD_TIMEOUT) > 0
                ? spec.limits().timeout()
                : SHORTEST_LOAD_TIMEOUT;
        try {
            AtomicLong wallMs = new AtomicLong();
            Long loadNanos = withRetries(
                    () -> client.load(model, spec.generation().keepAlive(), timeout), new AtomicInteger(), wallMs);
            log.info(
                    "Model {} ready in {} ms{}",
                    model,
                    wallMs.get(),
                    loadNanos == null ? "" : " (load_duration " + loadNanos / 1_000_000 + " ms)");
        } catch (OllamaException e) {
            log.warn("Could not load {} ahead of its requests: {}", model, e.getMessage());
        } finally {
            mine.complete(null);
        }
    }

    private Failure failure(RequestBuilder.Ready ready, WorkItem item, FailureKind kind, String message, int attempts) {
        log.debug("record {} failed for good: {}", ready.record().number(), message);
        return new Failure(
                ready.id(), ready.record().line(), item.cell(), ready.seed(), kind, message, attempts, server);
    }

    /**
     * The wait in milliseconds before the {@code attempt}th retry: anything from 0 to the initial backoff doubled
     * each time, up to the most (full jitter).
     */
    private static long jitter(RetrySpec policy, int attempt) {
        return ThreadLocalRandom.current().nextLong(backoffCeiling(policy, attempt) + 1);
    }

    /** The longest wait before the {@code attempt}th retry: the initial backoff doubled each time, up to the most. */
    private static long backoffCeiling(RetrySpec policy, int attempt) {
        return (long) Math.min(
                policy.maxBackoff().toMillis(),
                policy.initialBackoff().toMillis() * Math.pow(2, Math.min(attempt - 1, 30)));
    }
}

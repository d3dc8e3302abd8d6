package dev.promptbatch.generation;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import tools.jackson.databind.JsonNode;

import dev.promptbatch.ollama.FailureClass;
import dev.promptbatch.ollama.ModelRequest;
import dev.promptbatch.ollama.OllamaException;
import dev.promptbatch.outcome.Answer;
import dev.promptbatch.outcome.Failure;
import dev.promptbatch.outcome.FailureKind;
import dev.promptbatch.outcome.GenerateResponse;
import dev.promptbatch.outcome.Outcome;
import dev.promptbatch.servers.AdaptiveConcurrency;
import dev.promptbatch.servers.GenerationFailedException;
import dev.promptbatch.servers.Lease;
import dev.promptbatch.servers.PooledServer;
import dev.promptbatch.servers.ServerPool;
import dev.promptbatch.servers.Ticker;
import dev.promptbatch.spec.JobSpec;
import dev.promptbatch.spec.RetrySpec;
import dev.promptbatch.structured.AnswerCheck;

/**
 * Turns one work item into an outcome. A bad record becomes a failure without a request. Otherwise the request takes
 * a slot on a server that has the model ({@link ServerPool}), the model is loaded there once (a warm-up request, so
 * the first records do not pay the load under their timeout), and the request is sent; it goes again with
 * exponential backoff and full jitter while it fails in a way that can pass, on another server when there is one.
 * A request the server rejects (4xx, or a 500 naming a mistake in the request) is a failure ({@code rejected}); so
 * is one that keeps timing out or getting a broken answer ({@code retries-exhausted}). A server that is away never
 * fails a record and costs it no attempt: the request goes to another server, or waits for one, and the pool
 * decides when an outage has lasted past {@code max-outage} and the run fails, resumably. A server that is busy (429, 503 "busy") is there: the request waits a
 * little and goes again, and the server's {@link AdaptiveConcurrency} sends it fewer at once. Time and waiting come
 * from the {@link Ticker}. Safe to call from many threads.
 *
 * <p>With a {@code format}, every answer is checked ({@link AnswerCheck}). One that does not parse, was cut short or
 * breaks the schema is asked for again, up to {@code schema-retries} times, each time with the next seed (a seeded
 * request would get the same answer again); the answer carries the seed that produced it. A re-ask is not a retry:
 * it starts a fresh {@code retry.max-attempts} budget, while {@code attempts} counts every request sent for the
 * record. Still no good: {@code invalid-output}, with the problem and the answer.
 */
public final class Generator {
    private static final Logger log = LoggerFactory.getLogger(Generator.class);
    private static final Duration SHORTEST_LOAD_TIMEOUT = Duration.ofMinutes(15);

    private final JobSpec spec;
    private final ServerPool pool;
    private final RequestBuilder requests;
    private final Ticker ticker;
    private final AnswerCheck check;
    private final Map<String, CompletableFuture<Void>> loaded = new ConcurrentHashMap<>();

    public Generator(JobSpec spec, ServerPool pool, Ticker ticker) {
        this.spec = spec;
        this.pool = pool;
        this.requests = new RequestBuilder(spec);
        this.ticker = ticker;
        this.check = spec.generation().format() == null
                ? null
                : AnswerCheck.of(spec.generation().format());
    }

    public Outcome generate(WorkItem item) {
        RequestBuilder.Prepared prepared = requests.prepare(item);
        if (prepared instanceof RequestBuilder.Bad bad) {
            return bad.failure();
        }
        return new Request(item, (RequestBuilder.Ready) prepared).send();
    }

    /** One record's request through its attempts, on whichever servers take it. */
    private final class Request {
        private final WorkItem item;
        private final RequestBuilder.Ready ready;
        private final Set<PooledServer> failedOn = new HashSet<>();
        private ModelRequest request;
        private Number seed;
        private int reasks;
        private int attempts;
        private int attemptsThisAsk;
        private int awayInARow;
        private int busyInARow;
        private long awaySince;
        private long busySince;
        private String lastServer;

        Request(WorkItem item, RequestBuilder.Ready ready) {
            this.item = item;
            this.ready = ready;
            this.request = ready.request();
            this.seed = ready.seed();
        }

        Outcome send() {
            while (true) {
                Lease lease = lease();
                PooledServer server = lease.server();
                lastServer = server.display();
                OllamaException failure;
                try (lease) {
                    load(server, item.model());
                    long start = ticker.nanoTime();
                    try {
                        GenerateResponse response = server.client().answer(request);
                        long nanos = ticker.nanoTime() - start;
                        lease.answered(nanos, response.evalCount());
                        attempts++;
                        if (check == null) {
                            return answer(response, null, nanos / 1_000_000, server);
                        }
                        AnswerCheck.Verdict verdict = check.check(response.response(), response.doneReason());
                        if (verdict instanceof AnswerCheck.Valid valid) {
                            return answer(response, valid.json(), nanos / 1_000_000, server);
                        }
                        String problem = ((AnswerCheck.Invalid) verdict).problem();
                        if (reasks >= spec.limits().schemaRetries()) {
                            return failure(FailureKind.INVALID_OUTPUT, invalidOutput(problem, response.response()));
                        }
                        askAgain();
                        continue;
                    } catch (OllamaException e) {
                        long nanos = ticker.nanoTime() - start;
                        failure = e;
                        switch (e.failureClass()) {
                            case BUSY -> lease.busy(nanos, e);
                            case REJECTED, TRANSIENT -> {
                                lease.answered(nanos);
                                attempts++;
                                attemptsThisAsk++;
                            }
                            case AWAY -> lease.failed(nanos, e);
                        }
                    } catch (RuntimeException e) {
                        lease.abandoned();
                        throw e;
                    }
                }
                Outcome outcome = afterFailure(server, failure);
                if (outcome != null) {
                    return outcome;
                }
            }
        }

        private Lease lease() {
            try {
                return pool.acquire(item.model(), failedOn);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancellationException("interrupted while waiting for a server");
            }
        }

        /** What comes of a failed request: a failure for good, or null after waiting as long as it asks. */
        private Outcome afterFailure(PooledServer server, OllamaException e) {
            RetrySpec policy = spec.limits().retry();
            switch (e.failureClass()) {
                case REJECTED -> {
                    return failure(FailureKind.REJECTED, e.getMessage());
                }
                case TRANSIENT -> {
                    busyInARow = 0;
                    awayInARow = 0;
                    if (attemptsThisAsk >= policy.maxAttempts()) {
                        return failure(FailureKind.RETRIES_EXHAUSTED, e.getMessage() + " (" + attempts + " attempts)");
                    }
                    failedOn.add(server);
                    long wait = jitter(policy, attempts);
                    if (e.retryAfter() != null) {
                        wait = Math.max(
                                wait,
                                Math.min(
                                        e.retryAfter().toMillis(),
                                        policy.maxBackoff().toMillis()));
                    }
                    pause(wait, "interrupted while waiting to send a request again");
                }
                case AWAY -> {
                    // A server that is away says nothing against the record: no attempt, and up to max-outage.
                    busyInARow = 0;
                    long now = ticker.nanoTime();
                    awaySince = awayInARow++ == 0 ? now : awaySince;
                    pool.failIfAwayTooLong(
                            item.model(),
                            Duration.ofNanos(now - awaySince),
                            "record " + ready.record().number() + " (line "
                                    + ready.record().line() + ")",
                            e);
                    failedOn.add(server);
                    if (!pool.hasAlternative(item.model(), failedOn)) {
                        failedOn.clear();
                        pause(jitter(policy, awayInARow), "interrupted while waiting for the server");
                    }
                }
                case BUSY -> {
                    awayInARow = 0;
                    long now = ticker.nanoTime();
                    busySince = busyInARow++ == 0 ? now : busySince;
                    if (now - busySince > spec.limits().maxOutage().toNanos()) {
                        throw new GenerationFailedException(
                                "the server at " + server.display() + " has been busy for "
                                        + Duration.ofNanos(now - busySince).toSeconds()
                                        + " s, longer than max-outage ("
                                        + spec.limits().maxOutage().toSeconds() + " s): " + e.getMessage(),
                                e);
                    }
                    long max = policy.maxBackoff().toMillis();
                    pause(
                            e.retryAfter() != null
                                    ? Math.min(e.retryAfter().toMillis(), max)
                                    : jitter(policy, busyInARow),
                            "interrupted while the server was busy");
                }
            }
            return null;
        }

        /** The next ask for an answer that broke the format: the next seed when seeded, a fresh retry budget. */
        private void askAgain() {
            reasks++;
            attemptsThisAsk = 0;
            failedOn.clear();
            if (ready.seed() != null) {
                seed = ready.seed().longValue() + reasks;
                request = ready.request().withSeed(seed.longValue());
            }
        }

        private String invalidOutput(String problem, String answer) {
            String asks = reasks == 0
                    ? ""
                    : " (asked " + (reasks + 1) + " times"
                            + (ready.seed() == null ? "" : ", seeds " + ready.seed() + " to " + seed) + ")";
            return problem + asks + "; the answer: " + AnswerCheck.excerpt(answer);
        }

        private Answer answer(GenerateResponse response, JsonNode json, long latencyMs, PooledServer server) {
            return new Answer(
                    ready.id(),
                    ready.record().line(),
                    item.cell(),
                    seed,
                    response,
                    latencyMs,
                    attempts,
                    server.display(),
                    ready.included(),
                    json);
        }

        private Failure failure(FailureKind kind, String message) {
            log.debug("record {} failed for good: {}", ready.record().number(), message);
            return new Failure(
                    ready.id(), ready.record().line(), item.cell(), ready.seed(), kind, message, attempts, lastServer);
        }
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
     * Loads the model on a server before its first request there, once: the others for that server wait for it. The
     * load has a generous timeout of its own, since a big model can take minutes, and is tried again while it fails
     * in a way that can pass. A failed load is only reported: the requests will say more.
     */
    private void load(PooledServer server, String model) {
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> first = loaded.putIfAbsent(server.display() + " " + model, mine);
        if (first != null) {
            first.join();
            return;
        }
        Duration timeout = spec.limits().timeout().compareTo(SHORTEST_LOAD_TIMEOUT) > 0
                ? spec.limits().timeout()
                : SHORTEST_LOAD_TIMEOUT;
        RetrySpec policy = spec.limits().retry();
        try {
            for (int attempt = 1; ; attempt++) {
                long start = ticker.nanoTime();
                try {
                    Long loadNanos =
                            server.client().load(model, spec.generation().keepAlive(), timeout);
                    log.info(
                            "Model {} ready on {} in {} ms{}",
                            model,
                            server.display(),
                            (ticker.nanoTime() - start) / 1_000_000,
                            loadNanos == null ? "" : " (load_duration " + loadNanos / 1_000_000 + " ms)");
                    return;
                } catch (OllamaException e) {
                    if (e.failureClass() != FailureClass.TRANSIENT || attempt >= policy.maxAttempts()) {
                        log.warn(
                                "Could not load {} on {} ahead of its requests: {}",
                                model,
                                server.display(),
                                e.getMessage());
                        return;
                    }
                    pause(jitter(policy, attempt), "interrupted while loading " + model);
                }
            }
        } finally {
            mine.complete(null);
        }
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

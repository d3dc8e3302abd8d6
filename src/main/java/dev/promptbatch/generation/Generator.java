package dev.promptbatch.generation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

import dev.promptbatch.cache.AnswerCache;
import dev.promptbatch.input.DataRecord;
import dev.promptbatch.ollama.EmbedRequest;
import dev.promptbatch.ollama.FailureClass;
import dev.promptbatch.ollama.ModelRequest;
import dev.promptbatch.ollama.OllamaException;
import dev.promptbatch.ollama.ServerClient;
import dev.promptbatch.openaibatch.BatchRequests;
import dev.promptbatch.outcome.Answer;
import dev.promptbatch.outcome.EmbedResponse;
import dev.promptbatch.outcome.Embedded;
import dev.promptbatch.outcome.ErrorResponse;
import dev.promptbatch.outcome.Failure;
import dev.promptbatch.outcome.FailureKind;
import dev.promptbatch.outcome.GenerateResponse;
import dev.promptbatch.outcome.Outcome;
import dev.promptbatch.outcome.UnitOutcomes;
import dev.promptbatch.servers.AdaptiveConcurrency;
import dev.promptbatch.servers.CredentialsRefusedException;
import dev.promptbatch.servers.GenerationFailedException;
import dev.promptbatch.servers.Lease;
import dev.promptbatch.servers.PooledServer;
import dev.promptbatch.servers.ServerPool;
import dev.promptbatch.servers.Ticker;
import dev.promptbatch.spec.Endpoint;
import dev.promptbatch.spec.JobSpec;
import dev.promptbatch.spec.RetrySpec;
import dev.promptbatch.structured.AnswerCheck;

/**
 * Turns one unit of work into its outcomes: a generate job's record into an answer or a failure, an embed job's batch
 * into one embedding or failure per record, its records sent in one request. A bad record becomes a failure without
 * a request. Otherwise the request takes a slot on a server that has the model ({@link ServerPool}), the model is
 * loaded there once (a warm-up request, so the first records do not pay the load under their timeout), and the
 * request is sent; it goes again with exponential backoff and full jitter while it fails in a way that can pass, on
 * another server when there is one. A request the server rejects (4xx, or a 500 naming a mistake in the request) is
 * a failure ({@code rejected}); so is one that keeps timing out or getting a broken answer
 * ({@code retries-exhausted}). A server that refuses the credentials (401, 403) stops the run, since every request
 * would meet the same refusal. A server that is away never fails a record and costs it no attempt: the request goes
 * to another server, or waits for one, and the pool decides when an outage has lasted past {@code max-outage} and
 * the run fails, resumably. A server that is busy (429, 503 "busy") is there: the request waits a little and goes
 * again, and the server's {@link AdaptiveConcurrency} sends it fewer at once. Time and waiting come from the
 * {@link Ticker}. One attempt loop serves a record's request and a batch's alike. Safe to call from many threads.
 *
 * <p>With a {@code format}, every answer is checked ({@link AnswerCheck}). One that does not parse, was cut short or
 * breaks the schema is asked for again, up to {@code schema-retries} times, each time with the next seed (a seeded
 * request would get the same answer again); the answer carries the seed that produced it. A re-ask is not a retry:
 * it starts a fresh {@code retry.max-attempts} budget, while {@code attempts} counts every request sent for the
 * record. Still no good: {@code invalid-output}, with the problem and the answer.
 *
 * <p>With an {@link AnswerCache}, a deterministic request asked before is answered from it without a request (and
 * still checked under a {@code format}); every answer a server gives to one is kept there. Failures are not.
 */
public final class Generator {
    private static final Logger log = LoggerFactory.getLogger(Generator.class);
    private static final Duration SHORTEST_LOAD_TIMEOUT = Duration.ofMinutes(15);

    private final JobSpec spec;
    private final ServerPool pool;
    private final RequestBuilder requests;
    private final Ticker ticker;
    private final AnswerCheck check;
    /** An OpenAI Batch input's translation of its lines; null for a job of records and templates. */
    private final BatchRequests batchLines;
    /** Answers of deterministic requests asked before; null without a cache. */
    private final AnswerCache cache;

    private final Map<String, CompletableFuture<Void>> loaded = new ConcurrentHashMap<>();

    public Generator(JobSpec spec, ServerPool pool, Ticker ticker) {
        this(spec, pool, ticker, null);
    }

    /** @param cache answers of deterministic requests asked before, or null for none */
    public Generator(JobSpec spec, ServerPool pool, Ticker ticker, AnswerCache cache) {
        this.spec = spec;
        this.cache = cache;
        this.pool = pool;
        this.requests = new RequestBuilder(spec);
        this.ticker = ticker;
        this.check = spec.generation().format() == null
                ? null
                : AnswerCheck.of(spec.generation().format());
        this.batchLines = spec.batchInput() ? new BatchRequests(spec) : null;
    }

    /** What a unit of work becomes: its record's outcome, or for an embed job one outcome per record of its batch. */
    public UnitOutcomes work(WorkUnit unit) {
        if (batchLines != null) {
            return UnitOutcomes.of(batchLine(unit));
        }
        return spec.embeds()
                ? new UnitOutcomes(embed(unit))
                : UnitOutcomes.of(generate(unit.items().get(0)));
    }

    public Outcome generate(WorkItem item) {
        RequestBuilder.Prepared prepared = requests.prepare(item);
        if (prepared instanceof RequestBuilder.Bad bad) {
            return bad.failure();
        }
        return answer((RequestBuilder.Ready) prepared, item, check, null);
    }

    /**
     * An OpenAI Batch line's outcome: its body translated ({@link BatchRequests}) and sent to the endpoint its
     * {@code url} names, through the same attempts as a record's request; or a bad record.
     */
    private Outcome batchLine(WorkUnit unit) {
        WorkItem item = unit.items().get(0);
        BatchRequests.Prepared prepared = batchLines.prepare(item);
        if (prepared instanceof BatchRequests.Bad bad) {
            return bad.failure();
        }
        if (prepared instanceof BatchRequests.Ask ask) {
            return answer(ask.ready(), item, ask.check(), ask.url().endpoint());
        }
        BatchRequests.Embed embed = (BatchRequests.Embed) prepared;
        Sent<EmbedResponse> sent = new Attempts<EmbedResponse>(
                        item.model(),
                        "line " + embed.record().line(),
                        client -> client.embed(embed.request()),
                        EmbedResponse::promptEvalCount,
                        true)
                .send();
        if (sent instanceof Refused<EmbedResponse> refused) {
            return new Failure(
                    embed.id(),
                    embed.record().line(),
                    item.cell(),
                    null,
                    refused.kind(),
                    refused.message(),
                    refused.attempts(),
                    refused.server(),
                    refused.response());
        }
        Delivered<EmbedResponse> delivered = (Delivered<EmbedResponse>) sent;
        EmbedResponse response = delivered.response();
        JsonNode embedding = embed.listed()
                ? JsonNodeFactory.instance.arrayNode().addAll(response.embeddings())
                : response.embeddings().get(0);
        return new Embedded(
                embed.id(),
                embed.record().line(),
                item.cell(),
                delivered.server(),
                embedding,
                unit.number(),
                1,
                response.promptEvalCount(),
                response.totalDuration(),
                response.loadDuration(),
                delivered.latencyMs(),
                delivered.attempts(),
                Map.of());
    }

    /**
     * A request's answer through its attempts, checked under {@code check} when there is one and asked again with the
     * next seed while it breaks it; {@code endpoint} is an OpenAI Batch line's own, null for the job's.
     */
    private Outcome answer(RequestBuilder.Ready ready, WorkItem item, AnswerCheck check, Endpoint endpoint) {
        DataRecord record = ready.record();
        ModelRequest request = ready.request();
        Number seed = ready.seed();
        int sentBefore = 0;
        for (int reasks = 0; ; reasks++) {
            Sent<GenerateResponse> sent = ask(request, item, record);
            if (sent instanceof Refused<GenerateResponse> refused) {
                return failure(
                        ready,
                        item,
                        refused.kind(),
                        refused.message(),
                        sentBefore + refused.attempts(),
                        refused.server(),
                        refused.response());
            }
            Delivered<GenerateResponse> delivered = (Delivered<GenerateResponse>) sent;
            JsonNode json = null;
            if (check != null) {
                AnswerCheck.Verdict verdict = check.check(
                        delivered.response().response(), delivered.response().doneReason());
                if (verdict instanceof AnswerCheck.Invalid invalid) {
                    if (reasks >= spec.limits().schemaRetries()) {
                        return failure(
                                ready,
                                item,
                                FailureKind.INVALID_OUTPUT,
                                invalidOutput(
                                        invalid.problem(), delivered.response().response(), ready.seed(), seed, reasks),
                                sentBefore + delivered.attempts(),
                                delivered.server(),
                                null);
                    }
                    sentBefore += delivered.attempts();
                    if (ready.seed() != null) {
                        seed = ready.seed().longValue() + reasks + 1;
                        request = ready.request().withSeed(seed.longValue());
                    }
                    continue;
                }
                json = ((AnswerCheck.Valid) verdict).json();
            }
            return new Answer(
                    ready.id(),
                    record.line(),
                    item.cell(),
                    seed,
                    delivered.response(),
                    delivered.latencyMs(),
                    sentBefore + delivered.attempts(),
                    delivered.server(),
                    ready.included(),
                    json,
                    reasks,
                    endpoint,
                    delivered.cached());
        }
    }

    /**
     * One request's answer: from the cache when it was asked before, else through its attempts, and then kept in the
     * cache when it is deterministic.
     */
    private Sent<GenerateResponse> ask(ModelRequest request, WorkItem item, DataRecord record) {
        AnswerCache.Key key = cache == null ? null : cache.keyFor(request).orElse(null);
        if (key != null) {
            AnswerCache.Entry entry = cache.find(key).orElse(null);
            if (entry != null) {
                return new Delivered<>(entry.response(), entry.latencyMs(), entry.attempts(), entry.server(), true);
            }
        }
        Sent<GenerateResponse> sent = new Attempts<GenerateResponse>(
                        item.model(),
                        "record " + record.number() + " (line " + record.line() + ")",
                        client -> client.answer(request),
                        GenerateResponse::evalCount,
                        false)
                .send();
        if (key != null && sent instanceof Delivered<GenerateResponse> delivered) {
            cache.store(
                    key,
                    new AnswerCache.Entry(
                            delivered.response(), delivered.latencyMs(), delivered.attempts(), delivered.server()));
        }
        return sent;
    }

    private static Failure failure(
            RequestBuilder.Ready ready,
            WorkItem item,
            FailureKind kind,
            String message,
            int attempts,
            String server,
            ErrorResponse response) {
        log.debug("record {} failed for good: {}", ready.record().number(), message);
        return new Failure(
                ready.id(),
                ready.record().line(),
                item.cell(),
                ready.seed(),
                kind,
                message,
                attempts,
                server,
                response);
    }

    private static String invalidOutput(String problem, String answer, Number firstSeed, Number lastSeed, int reasks) {
        String asks = reasks == 0
                ? ""
                : " (asked " + (reasks + 1) + " times"
                        + (firstSeed == null ? "" : ", seeds " + firstSeed + " to " + lastSeed) + ")";
        return problem + asks + AnswerCheck.ANSWER_FOLLOWS + AnswerCheck.excerpt(answer);
    }

    /**
     * One outcome per record of an embed job's batch, in input order. Bad records fail alone without being sent; the
     * others go in one request. When the server refuses that request because an input is longer than the model's
     * context, it does not say which: each record is then sent alone, so that only the long one fails.
     */
    List<Outcome> embed(WorkUnit unit) {
        List<WorkItem> items = unit.items();
        Outcome[] outcomes = new Outcome[items.size()];
        List<Integer> sendable = new ArrayList<>();
        List<RequestBuilder.Input> inputs = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            RequestBuilder.Prepared prepared = requests.prepareInput(items.get(i));
            if (prepared instanceof RequestBuilder.Bad bad) {
                outcomes[i] = bad.failure();
            } else {
                sendable.add(i);
                inputs.add((RequestBuilder.Input) prepared);
            }
        }
        if (!inputs.isEmpty()) {
            Sent<EmbedResponse> sent = embedRequest(unit, inputs);
            if (sent instanceof Refused<EmbedResponse> refused
                    && refused.cause() != null
                    && refused.cause().inputTooLong()
                    && inputs.size() > 1) {
                log.debug(
                        "batch {} of {} has an input longer than the context: sending its records one by one",
                        unit.number(),
                        unit.model());
                for (int k = 0; k < inputs.size(); k++) {
                    List<RequestBuilder.Input> alone = List.of(inputs.get(k));
                    outcomes[sendable.get(k)] = embedded(unit, alone, embedRequest(unit, alone), refused.attempts())
                            .get(0);
                }
            } else {
                List<Outcome> embedded = embedded(unit, inputs, sent, 0);
                for (int k = 0; k < inputs.size(); k++) {
                    outcomes[sendable.get(k)] = embedded.get(k);
                }
            }
        }
        return List.of(outcomes);
    }

    private Sent<EmbedResponse> embedRequest(WorkUnit unit, List<RequestBuilder.Input> inputs) {
        JobSpec.Embedding embedding = spec.embedding();
        EmbedRequest request = new EmbedRequest(
                unit.model(),
                inputs.stream().map(RequestBuilder.Input::text).toList(),
                embedding.dimensions(),
                embedding.truncate(),
                requests.options(unit.cell()),
                spec.generation().keepAlive());
        DataRecord first = inputs.get(0).record();
        DataRecord last = inputs.get(inputs.size() - 1).record();
        String where = inputs.size() == 1
                ? "record " + first.number() + " (line " + first.line() + ")"
                : "records " + first.number() + " to " + last.number() + " (lines " + first.line() + " to "
                        + last.line() + ")";
        // What an embedding model works through is the inputs' tokens: the measure concurrency: auto tunes on.
        return new Attempts<EmbedResponse>(
                        unit.model(), where, client -> client.embed(request), EmbedResponse::promptEvalCount, true)
                .send();
    }

    /** The outcomes of the records one embed request carried; {@code earlier} counts requests sent for them before. */
    private List<Outcome> embedded(
            WorkUnit unit, List<RequestBuilder.Input> inputs, Sent<EmbedResponse> sent, int earlier) {
        List<Outcome> outcomes = new ArrayList<>(inputs.size());
        for (int k = 0; k < inputs.size(); k++) {
            RequestBuilder.Input input = inputs.get(k);
            if (sent instanceof Delivered<EmbedResponse> delivered) {
                EmbedResponse response = delivered.response();
                outcomes.add(new Embedded(
                        input.id(),
                        input.record().line(),
                        unit.cell(),
                        delivered.server(),
                        response.embeddings().get(k),
                        unit.number(),
                        inputs.size(),
                        response.promptEvalCount(),
                        response.totalDuration(),
                        response.loadDuration(),
                        delivered.latencyMs(),
                        earlier + delivered.attempts(),
                        input.included()));
            } else {
                Refused<EmbedResponse> refused = (Refused<EmbedResponse>) sent;
                outcomes.add(new Failure(
                        input.id(),
                        input.record().line(),
                        unit.cell(),
                        null,
                        refused.kind(),
                        refused.message(),
                        earlier + refused.attempts(),
                        refused.server(),
                        refused.response()));
            }
        }
        return outcomes;
    }

    /** What one request came to after its attempts. */
    private sealed interface Sent<T> permits Delivered, Refused {}

    /**
     * The server's answer, the last attempt's latency, the attempts made and the server that answered; when it came
     * from the cache, those of the request that first got it.
     */
    private record Delivered<T>(T response, long latencyMs, int attempts, String server, boolean cached)
            implements Sent<T> {
        Delivered(T response, long latencyMs, int attempts, String server) {
            this(response, latencyMs, attempts, server, false);
        }
    }

    /**
     * A failure for good.
     *
     * @param cause    the server's refusal, or null when the attempts ran out
     * @param server   the server the last attempt went to
     * @param response the last attempt's HTTP error answer, or null when it got none
     */
    private record Refused<T>(
            FailureKind kind,
            String message,
            OllamaException cause,
            int attempts,
            String server,
            ErrorResponse response)
            implements Sent<T> {
        /** The HTTP error answer an exception carries: only a status other than 200 is one. */
        static ErrorResponse responseOf(OllamaException e) {
            return e.reason() == OllamaException.Reason.STATUS
                    ? new ErrorResponse(e.status(), e.serverMessage())
                    : null;
        }
    }

    /**
     * One request through its attempts, on whichever servers take it: a record's generate request or a batch's embed
     * request alike.
     */
    private final class Attempts<T> {
        private final String model;
        /** The records the request carries, for the message of an outage. */
        private final String where;

        private final Function<ServerClient, T> call;
        /** The tokens an answer reports, for concurrency: auto; null when it reports none. */
        private final Function<T, Long> tokens;
        /** Whether the request embeds: the model is then loaded with an embed request. */
        private final boolean embeds;

        private final Set<PooledServer> failedOn = new HashSet<>();
        private int attempts;
        private int awayInARow;
        private int busyInARow;
        private long awaySince;
        private long busySince;
        private String lastServer;

        Attempts(String model, String where, Function<ServerClient, T> call, Function<T, Long> tokens, boolean embeds) {
            this.model = model;
            this.where = where;
            this.call = call;
            this.tokens = tokens;
            this.embeds = embeds;
        }

        Sent<T> send() {
            while (true) {
                Lease lease = lease();
                PooledServer server = lease.server();
                lastServer = server.display();
                OllamaException failure;
                try (lease) {
                    load(server, model, embeds);
                    long start = ticker.nanoTime();
                    try {
                        T response = call.apply(server.client());
                        long nanos = ticker.nanoTime() - start;
                        lease.answered(nanos, tokens.apply(response));
                        attempts++;
                        return new Delivered<>(response, nanos / 1_000_000, attempts, server.display());
                    } catch (OllamaException e) {
                        long nanos = ticker.nanoTime() - start;
                        failure = e;
                        switch (e.failureClass()) {
                            case BUSY -> lease.busy(nanos, e);
                            case REJECTED, TRANSIENT, DENIED -> {
                                lease.answered(nanos);
                                attempts++;
                            }
                            case AWAY -> lease.failed(nanos, e);
                        }
                    } catch (RuntimeException e) {
                        lease.abandoned();
                        throw e;
                    }
                }
                Sent<T> outcome = afterFailure(server, failure);
                if (outcome != null) {
                    return outcome;
                }
            }
        }

        private Lease lease() {
            try {
                return pool.acquire(model, failedOn);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancellationException("interrupted while waiting for a server");
            }
        }

        /** What comes of a failed request: a failure for good, or null after waiting as long as it asks. */
        private Sent<T> afterFailure(PooledServer server, OllamaException e) {
            RetrySpec policy = spec.limits().retry();
            switch (e.failureClass()) {
                case DENIED ->
                    throw new CredentialsRefusedException(
                            "the server at " + server.display() + " refuses the credentials (" + e.getMessage()
                                    + "): every request would be refused, so the run stops",
                            e);
                case REJECTED -> {
                    return new Refused<>(
                            FailureKind.REJECTED, e.getMessage(), e, attempts, lastServer, Refused.responseOf(e));
                }
                case TRANSIENT -> {
                    busyInARow = 0;
                    awayInARow = 0;
                    if (attempts >= policy.maxAttempts()) {
                        return new Refused<>(
                                FailureKind.RETRIES_EXHAUSTED,
                                e.getMessage() + " (" + attempts + " attempts)",
                                null,
                                attempts,
                                lastServer,
                                Refused.responseOf(e));
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
                    // A server that is away says nothing against the records: no attempt, and up to max-outage.
                    busyInARow = 0;
                    long now = ticker.nanoTime();
                    awaySince = awayInARow++ == 0 ? now : awaySince;
                    pool.failIfAwayTooLong(model, Duration.ofNanos(now - awaySince), where, e);
                    failedOn.add(server);
                    if (!pool.hasAlternative(model, failedOn)) {
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
    }

    /** How long a model load may take: the request timeout, but at least 15 minutes, since a big model is slow. */
    public static Duration loadTimeout(JobSpec spec) {
        return spec.limits().timeout().compareTo(SHORTEST_LOAD_TIMEOUT) > 0
                ? spec.limits().timeout()
                : SHORTEST_LOAD_TIMEOUT;
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
    private void load(PooledServer server, String model, boolean embeds) {
        if (!server.client().loadsAhead()) {
            return;
        }
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> first = loaded.putIfAbsent(server.display() + " " + model, mine);
        if (first != null) {
            first.join();
            return;
        }
        Duration timeout = loadTimeout(spec);
        RetrySpec policy = spec.limits().retry();
        try {
            for (int attempt = 1; ; attempt++) {
                long start = ticker.nanoTime();
                try {
                    Long loadNanos = embeds
                            ? server.client()
                                    .loadForEmbedding(model, spec.generation().keepAlive(), timeout)
                            : server.client().load(model, spec.generation().keepAlive(), timeout);
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

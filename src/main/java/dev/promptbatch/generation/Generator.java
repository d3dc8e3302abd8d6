package dev.promptbatch.generation;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.promptbatch.input.BadRecord;
import dev.promptbatch.input.DataRecord;
import dev.promptbatch.ollama.GenerateRequest;
import dev.promptbatch.ollama.GenerateResponse;
import dev.promptbatch.ollama.OllamaClient;
import dev.promptbatch.ollama.OllamaException;
import dev.promptbatch.output.Answer;
import dev.promptbatch.output.Failure;
import dev.promptbatch.output.Outcome;
import dev.promptbatch.prompt.MissingFieldException;
import dev.promptbatch.prompt.PromptTemplate;
import dev.promptbatch.spec.JobSpec;
import dev.promptbatch.spec.RetrySpec;
import io.github.resilience4j.core.functions.Either;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns one work item into an outcome: renders the templates, sends the request, retries what is worth retrying
 * with exponential backoff and full jitter. A bad record or a request the server rejects becomes a {@link Failure};
 * a request that keeps failing transiently throws {@link GenerationFailedException}, so the run stops resumably.
 * Safe to call from many threads.
 */
public final class Generator {
    private static final Logger log = LoggerFactory.getLogger(Generator.class);

    private final JobSpec spec;
    private final OllamaClient client;
    private final PromptTemplate prompt;
    private final PromptTemplate system;
    private final Retry retry;

    public Generator(JobSpec spec, OllamaClient client) {
        this.spec = spec;
        this.client = client;
        this.prompt = PromptTemplate.parse(spec.prompt());
        this.system = spec.system() == null ? null : PromptTemplate.parse(spec.system());
        this.retry = Retry.of("generate", retryConfig(spec.retry()));
    }

    public Outcome generate(WorkItem item) {
        Number seed = seed();
        if (item.record() instanceof BadRecord bad) {
            return new Failure(bad.number(), bad.line(), item.model(), seed, Failure.BAD_RECORD, bad.message(), 0);
        }
        DataRecord record = (DataRecord) item.record();
        Object id = record.number();
        GenerateRequest request;
        try {
            id = id(record);
            String text = prompt.render(record.fields());
            if (text.isBlank()) {
                return new Failure(id, record.line(), item.model(), seed, Failure.BAD_RECORD,
                        "the prompt renders empty", 0);
            }
            request = new GenerateRequest(item.model(), text,
                    system == null ? null : system.render(record.fields()), spec.options(), spec.format(),
                    spec.think(), spec.keepAlive());
        } catch (MissingFieldException e) {
            return new Failure(id, record.line(), item.model(), seed, Failure.BAD_RECORD, e.getMessage(), 0);
        }
        return call(item, record, id, seed, request);
    }

    private Outcome call(WorkItem item, DataRecord record, Object id, Number seed, GenerateRequest request) {
        AtomicInteger attempts = new AtomicInteger();
        AtomicLong latencyMs = new AtomicLong();
        try {
            GenerateResponse response = retry.executeSupplier(() -> {
                attempts.incrementAndGet();
                long start = System.nanoTime();
                GenerateResponse answer = client.generate(request);
                latencyMs.set((System.nanoTime() - start) / 1_000_000);
                return answer;
            });
            return new Answer(id, item.model(), seed, response, latencyMs.get(), attempts.get(), included(record));
        } catch (OllamaException e) {
            if (e.isTransient()) {
                throw new GenerationFailedException("record " + record.number() + " (line " + record.line()
                        + "), model " + item.model() + ": " + e.getMessage() + " after " + attempts.get()
                        + " attempts", e);
            }
            log.debug("record {} rejected: {}", record.number(), e.getMessage());
            return new Failure(id, record.line(), item.model(), seed, Failure.REJECTED, e.getMessage(),
                    attempts.get());
        }
    }

    private Object id(DataRecord record) {
        if (spec.idField() == null) {
            return record.number();
        }
        JsonNode value = PromptTemplate.lookup(record.fields(), spec.idField());
        if (value == null || value.isNull() || value.isContainer() || value.asString().isBlank()) {
            throw new MissingFieldException(spec.idField());
        }
        return value.asString();
    }

    private Map<String, JsonNode> included(DataRecord record) {
        Map<String, JsonNode> input = new LinkedHashMap<>();
        ObjectNode fields = record.fields();
        for (String name : spec.include()) {
            input.put(name, PromptTemplate.lookup(fields, name));
        }
        return input;
    }

    private Number seed() {
        Object seed = spec.options().get("seed");
        return seed instanceof Number number ? number : null;
    }

    private static RetryConfig retryConfig(RetrySpec policy) {
        long initial = policy.initialBackoff().toMillis();
        long max = policy.maxBackoff().toMillis();
        return RetryConfig.<GenerateResponse>custom()
                .maxAttempts(policy.maxAttempts())
                .retryOnException(e -> e instanceof OllamaException o && o.isTransient())
                .intervalBiFunction((Integer attempt, Either<Throwable, GenerateResponse> outcome) -> {
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

package dev.promptbatch.servers;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;

import dev.promptbatch.ollama.FailureClass;
import dev.promptbatch.ollama.OllamaClient;
import dev.promptbatch.ollama.OllamaException;

/**
 * The job's one circuit breaker for its server. Failures that say the server is away open it (not a busy server:
 * that one answers, and {@link AdaptiveConcurrency} slows down for it); while
 * it is open, every worker waits here instead of each burning its retries, a single probe ({@code GET /api/version})
 * checks the server every few seconds, and when it answers a few requests go through to see whether generation
 * works again. An outage longer than {@code max-outage} fails the run, resumably; no record is marked failed for it.
 * Time and waiting come from the {@link Ticker}.
 */
public final class ServerGate {
    private static final Logger log = LoggerFactory.getLogger(ServerGate.class);
    private static final Duration WAIT = Duration.ofMillis(100);

    private final CircuitBreaker breaker;
    private final OllamaClient client;
    private final Duration maxOutage;
    private final Duration probeInterval;
    private final String server;
    private final Ticker ticker;
    private long outageStart;
    private long lastProbe;

    public ServerGate(
            OllamaClient client,
            String server,
            int concurrency,
            Duration maxOutage,
            Duration probeInterval,
            Ticker ticker) {
        this.client = client;
        this.ticker = ticker;
        this.server = server;
        this.maxOutage = maxOutage;
        this.probeInterval = probeInterval;
        this.breaker = CircuitBreaker.of(
                "ollama",
                CircuitBreakerConfig.custom()
                        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                        .slidingWindowSize(Math.max(10, 2 * concurrency))
                        .minimumNumberOfCalls(Math.max(4, concurrency))
                        .failureRateThreshold(50)
                        // A slow answer is an answer. Resilience4j's default counts every call over 60 s as slow and
                        // stops
                        // requests when all are: a big model, or a queue on the server, would then fail the run.
                        .slowCallDurationThreshold(Duration.ofDays(365))
                        // One request tries the server after each good probe: an outage costs a request per probe.
                        .permittedNumberOfCallsInHalfOpenState(1)
                        // Only the probe lets the breaker half-open: it stays open however long the server is away.
                        .waitDurationInOpenState(Duration.ofDays(365))
                        .recordException(e -> e instanceof OllamaException o && o.failureClass() == FailureClass.AWAY)
                        .build());
        breaker.getEventPublisher().onStateTransition(event -> {
            switch (event.getStateTransition()) {
                case CLOSED_TO_OPEN -> outageBegan();
                case HALF_OPEN_TO_CLOSED -> outageEnded();
                default -> {}
            }
        });
    }

    /** Waits until a request may be sent. Throws {@link GenerationFailedException} once the outage is too long. */
    public void enter() throws InterruptedException {
        while (!breaker.tryAcquirePermission()) {
            probeWhenDue();
            ticker.sleep(WAIT);
        }
    }

    public void succeeded(long nanos) {
        breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
    }

    public void failed(long nanos, OllamaException failure) {
        breaker.onError(nanos, TimeUnit.NANOSECONDS, failure);
    }

    /** For a request that was let through but never completed (interrupted): it says nothing about the server. */
    public void abandoned() {
        breaker.releasePermission();
    }

    private synchronized void outageBegan() {
        outageStart = ticker.nanoTime();
        lastProbe = outageStart;
        log.warn(
                "The server at {} is not answering; pausing requests, probing it every {} s, for up to {} s "
                        + "(max-outage)",
                server,
                probeInterval.toSeconds(),
                maxOutage.toSeconds());
    }

    private synchronized void outageEnded() {
        log.info(
                "The server at {} answers again after {} s; resuming",
                server,
                Duration.ofNanos(ticker.nanoTime() - outageStart).toSeconds());
        outageStart = 0;
    }

    private synchronized void probeWhenDue() {
        if (breaker.getState() != CircuitBreaker.State.OPEN) {
            return;
        }
        long now = ticker.nanoTime();
        if (now - outageStart > maxOutage.toNanos()) {
            throw new GenerationFailedException(
                    "the server at " + server + " has not answered for "
                            + Duration.ofNanos(now - outageStart).toSeconds() + " s, longer than max-outage ("
                            + maxOutage.toSeconds() + " s)",
                    null);
        }
        if (now - lastProbe < probeInterval.toNanos()) {
            return;
        }
        lastProbe = now;
        try {
            client.version();
            breaker.transitionToHalfOpenState();
        } catch (OllamaException e) {
            log.debug("probe of {} failed: {}", server, e.getMessage());
        }
    }
}

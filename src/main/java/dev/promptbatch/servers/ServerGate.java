package dev.promptbatch.servers;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;

import dev.promptbatch.ollama.FailureClass;
import dev.promptbatch.ollama.OllamaException;
import dev.promptbatch.ollama.ServerClient;

/**
 * One server's circuit breaker. Failures that say the server is away open it (not a busy server: that one answers,
 * and {@link AdaptiveConcurrency} slows down for it); while it is open, no request goes to this server, a single
 * probe ({@code GET /api/version}, or {@code GET /v1/models}) checks it every few seconds, and when the probe answers one request goes through
 * to see whether generation works again. A server the checks before the run could not reach starts open, and its
 * probe is those checks ({@link #pausedUntilJoined}). The {@link ServerPool} decides what an outage means for the
 * run. Time comes from the {@link Ticker}.
 */
public final class ServerGate {
    private static final Logger log = LoggerFactory.getLogger(ServerGate.class);

    private final CircuitBreaker breaker;
    private final ServerClient client;
    private final Duration probeInterval;
    private final String server;
    private final String meanwhile;
    private final Ticker ticker;
    private long outageStart;
    private boolean away;
    private long lastProbe;
    /** Whether the server has not answered since the run began: it joins, rather than comes back. */
    private boolean neverAnswered;
    /** The checks a server not reached before the run must pass before it takes requests; null once it has. */
    private volatile JoinCheck joinCheck;

    /** The checks before a run, for a server that was not reached then. */
    @FunctionalInterface
    public interface JoinCheck {
        /** Whether the server answered them: until it does, it stays paused. */
        boolean passed();
    }

    /**
     * @param meanwhile what happens to this server's requests while it is away, for the log
     */
    public ServerGate(
            ServerClient client,
            String server,
            int concurrency,
            Duration probeInterval,
            String meanwhile,
            Ticker ticker) {
        this.client = client;
        this.ticker = ticker;
        this.server = server;
        this.probeInterval = probeInterval;
        this.meanwhile = meanwhile;
        this.breaker = CircuitBreaker.of(
                "ollama",
                CircuitBreakerConfig.custom()
                        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                        .slidingWindowSize(Math.max(10, 2 * concurrency))
                        .minimumNumberOfCalls(Math.max(4, concurrency))
                        .failureRateThreshold(50)
                        // A slow answer is an answer. Resilience4j's default counts every call over 60 s as slow and
                        // stops requests when all are: a big model, or a queue on the server, would then fail the run.
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

    /** Whether a request may go to this server now; if so, its outcome must be reported. */
    public boolean tryEnter() {
        return breaker.tryAcquirePermission();
    }

    /** Whether the server is paused: away, and no good probe since. */
    public boolean paused() {
        return breaker.getState() == CircuitBreaker.State.OPEN;
    }

    /** How long the server has been away, or null when it is not. */
    public synchronized Duration awayFor() {
        return away ? Duration.ofNanos(ticker.nanoTime() - outageStart) : null;
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

    /**
     * Probes a paused server when a probe is due, on the caller's thread; one caller probes, the others go on. A
     * probe that answers lets one request through.
     */
    public void probeWhenDue() {
        synchronized (this) {
            long now = ticker.nanoTime();
            if (!paused() || now - lastProbe < probeInterval.toNanos()) {
                return;
            }
            lastProbe = now;
        }
        JoinCheck join = joinCheck;
        if (join != null) {
            if (join.passed()) {
                joinCheck = null;
                breaker.transitionToHalfOpenState();
            }
            return;
        }
        try {
            client.probe();
            breaker.transitionToHalfOpenState();
        } catch (OllamaException e) {
            log.debug("probe of {} failed: {}", server, e.getMessage());
        }
    }

    /**
     * Pauses a server that the checks before the run could not reach, from the start and without the warning of an
     * outage (the checks gave theirs): it is probed as a server that went away, with {@code join} for the probe, and
     * once that passes it takes requests as a server that came back.
     */
    public void pausedUntilJoined(JoinCheck join) {
        synchronized (this) {
            joinCheck = join;
            neverAnswered = true;
            away = true;
            outageStart = ticker.nanoTime();
            lastProbe = outageStart;
        }
        breaker.transitionToOpenState();
    }

    private synchronized void outageBegan() {
        if (away) {
            return;
        }
        away = true;
        outageStart = ticker.nanoTime();
        lastProbe = outageStart;
        log.warn(
                "The server at {} is not answering; pausing requests to it and probing it every {} s; {}",
                server,
                probeInterval.toSeconds(),
                meanwhile);
    }

    private synchronized void outageEnded() {
        long seconds = Duration.ofNanos(ticker.nanoTime() - outageStart).toSeconds();
        if (neverAnswered) {
            log.info("The server at {} answers {} s after the run began; it joins the run", server, seconds);
        } else {
            log.info("The server at {} answers again after {} s; resuming", server, seconds);
        }
        away = false;
        neverAnswered = false;
    }
}

package dev.promptbatch.servers;

import java.time.Duration;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bound on requests in flight to one server, lowered when the server says it is busy and raised again while
 * answers flow: additive increase, multiplicative decrease, never below 1 nor above the configured concurrency.
 *
 * <p>A busy answer halves the limit, once per round: busy answers to requests sent before the last decrease say
 * nothing new, since they were sent at the higher limit. After a decrease the limit grows by one for every
 * {@code limit} answers up to just below the level that was too much; above it only once the server has not been
 * busy for {@code probeAfter}, so the limit settles where the server copes instead of swinging into its refusals.
 *
 * <p>Thread-safe. Time comes from {@code nanoClock}, so tests can move it.
 */
public final class AdaptiveConcurrency {
    private static final Logger log = LoggerFactory.getLogger(AdaptiveConcurrency.class);

    /**
     * Taken before a request is sent; says at which round of decreases it was sent, and when, with the requests in
     * flight summed over time until then (for {@link #meanInFlightSince}).
     */
    public record Permit(long round, long sentNanos, long inFlightNanos) {}

    /** What throttling did so far. */
    public record Report(String server, int configured, int current, int lowest, long busyAnswers, Duration throttled) {
        public boolean throttledAtAll() {
            return busyAnswers > 0;
        }
    }

    private final String server;
    private int configured;
    private final Duration probeAfter;
    private final LongSupplier nanoClock;

    private int limit;
    private int ceiling;
    private int lowest;
    private int inFlight;
    /** Requests in flight summed over time (in request-nanoseconds) up to {@code accruedUntil}. */
    private long inFlightNanos;

    private long accruedUntil;
    private long round;
    private int answersSinceChange;
    private long busyAnswers;
    private long lastBusyNanos;
    private long throttledSinceNanos;
    private long throttledNanos;

    public AdaptiveConcurrency(String server, int configured, Duration probeAfter, LongSupplier nanoClock) {
        if (configured < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, got " + configured);
        }
        this.server = server;
        this.configured = configured;
        this.probeAfter = probeAfter;
        this.nanoClock = nanoClock;
        this.limit = configured;
        this.ceiling = configured;
        this.lowest = configured;
        this.accruedUntil = nanoClock.getAsLong();
    }

    /**
     * Sets the most requests in flight, as {@code concurrency: auto} moves it. A limit that busy answers lowered stays
     * as low, and grows back up to the new bound as answers flow.
     */
    public synchronized void bound(int most) {
        if (most < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, got " + most);
        }
        boolean throttled = limit < configured;
        configured = most;
        if (!throttled) {
            limit = most;
            ceiling = most;
            answersSinceChange = 0;
            if (busyAnswers == 0) {
                lowest = most;
            }
        } else if (limit >= most) {
            throttledNanos += nanoClock.getAsLong() - throttledSinceNanos;
            limit = most;
            ceiling = most;
            answersSinceChange = 0;
        }
    }

    /** Counts one more request in flight if fewer than the limit are; null when the limit is reached. */
    public synchronized Permit tryAcquire() {
        if (inFlight >= limit) {
            return null;
        }
        long now = accrue();
        inFlight++;
        return new Permit(round, now, inFlightNanos);
    }

    /** The request is no longer in flight, whatever came of it. */
    public synchronized void release() {
        accrue();
        inFlight--;
    }

    /**
     * How many requests were in flight on average while the one sent with {@code permit} was, itself included: what
     * the server really had, when the run could not keep the limit filled.
     */
    public synchronized double meanInFlightSince(Permit permit) {
        long now = accrue();
        return now == permit.sentNanos()
                ? inFlight
                : (double) (inFlightNanos - permit.inFlightNanos()) / (now - permit.sentNanos());
    }

    private long accrue() {
        long now = nanoClock.getAsLong();
        inFlightNanos += inFlight * (now - accruedUntil);
        accruedUntil = now;
        return now;
    }

    /** Requests in flight now, for the progress line. */
    public synchronized int inFlight() {
        return inFlight;
    }

    /** The share of the limit in use, from 0 (idle) to 1 (full). */
    public synchronized double load() {
        return (double) inFlight / limit;
    }

    /** The server answered (anything but busy): after {@code limit} such answers, one more may be in flight. */
    public synchronized void answered() {
        if (limit >= configured || ++answersSinceChange < limit) {
            return;
        }
        long now = nanoClock.getAsLong();
        if (limit < ceiling || now - lastBusyNanos >= probeAfter.toNanos()) {
            setLimit(limit + 1, now);
            ceiling = Math.max(ceiling, limit);
            log.debug("{}: up to {} requests in flight", server, limit);
        }
    }

    /** The server said it is busy to a request sent with {@code permit}. */
    public synchronized void busy(Permit permit, String message) {
        busyAnswers++;
        long now = nanoClock.getAsLong();
        lastBusyNanos = now;
        if (permit.round() != round || limit == 1) {
            return;
        }
        int before = limit;
        round++;
        ceiling = limit - 1;
        setLimit(Math.max(1, limit / 2), now);
        lowest = Math.min(lowest, limit);
        if (busyAnswers == 1) {
            log.warn(
                    "The server at {} is busy ({}); lowering requests in flight from {} to {}, and raising them "
                            + "again while answers flow",
                    server,
                    message,
                    before,
                    limit);
        } else {
            log.debug("{} busy again: {} requests in flight", server, limit);
        }
    }

    public synchronized Report report() {
        long now = nanoClock.getAsLong();
        long throttled = throttledNanos + (limit < configured ? now - throttledSinceNanos : 0);
        return new Report(server, configured, limit, lowest, busyAnswers, Duration.ofNanos(throttled));
    }

    private void setLimit(int newLimit, long now) {
        if (limit >= configured && newLimit < configured) {
            throttledSinceNanos = now;
        } else if (limit < configured && newLimit >= configured) {
            throttledNanos += now - throttledSinceNanos;
        }
        limit = newLimit;
        answersSinceChange = 0;
    }
}

package dev.promptbatch.servers;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code concurrency: auto} for one server: how many requests in flight give it its most generated tokens/s. Ollama
 * generates for as many requests at once as it has slots and queues the rest, so past its slots more in flight only
 * adds latency (and timeouts). The tuner starts at 1 in flight and doubles the level while the server's throughput
 * rises by at least {@value #GAIN_PERCENT} %; it settles at the knee, the last level that gave that gain, and never
 * goes above the ceiling.
 *
 * <p>Throughput at a level comes from Little's law: requests in flight × tokens of an answer ÷ time of an answer in
 * flight, that is the mean in flight while each request was × Σ tokens ÷ Σ durations, over the answers to requests
 * sent at that level. A long answer adds to both sums, so heavy-tailed answer lengths move the ratio far less than
 * they move the tokens that happen to finish in a window of time; and a run that cannot fill the level (too few
 * records left, the ordered window held up) is measured at the in-flight count it really had. A level is
 * judged after at least {@value #FEWEST_ANSWERS} answers, and at least 2 × the level, so that each slot contributes;
 * the answers to the first requests sent at a level are left out, as they ran while the server was filling up.
 *
 * <p>Thread-safe. It has no clock of its own: each answer comes with its duration and the mean in flight meanwhile,
 * measured on the run's {@link Ticker} by {@link Lease} and {@link AdaptiveConcurrency}.
 */
public final class ConcurrencyTuner {
    private static final Logger log = LoggerFactory.getLogger(ConcurrencyTuner.class);

    /** How much more throughput, in percent, a level must give than half of it to be worth its latency. */
    static final int GAIN_PERCENT = 20;

    /** The fewest answers a level is judged on. */
    static final int FEWEST_ANSWERS = 8;

    /**
     * What a request was sent with.
     *
     * @param level the tuner's level when it was sent
     * @param measured whether its answer counts: not for the first {@code level} requests sent at a level, which meet
     *     the server still filling up to it (fewer waiting than will, or fewer in flight)
     */
    public record Sent(int level, boolean measured) {}

    private final String server;
    private final int ceiling;
    private final IntConsumer bound;

    private int level = 1;
    private boolean settled;
    /** The level judged before this one and its throughput; 0 and -1 before the first is judged. */
    private int lastLevel;

    private double lastThroughput = -1;

    /** The throughput, generated tokens/s, of each level judged so far, in the order they were judged. */
    private final Map<Integer, Double> judged = new LinkedHashMap<>();

    /** At this level: the requests sent, and the answers counted with their sums. */
    private int sends;

    private int answers;
    private long tokens;
    private long nanos;
    /** Σ mean in flight × duration: divided by Σ durations, the mean in flight, weighted by time. */
    private double inFlightNanos;

    /**
     * @param server the URL without credentials, for the log
     * @param ceiling the most requests in flight the tuner may reach
     * @param bound sets the server's bound on requests in flight; called with 1 at once, then with each new level
     */
    public ConcurrencyTuner(String server, int ceiling, IntConsumer bound) {
        if (ceiling < 1) {
            throw new IllegalArgumentException("the ceiling must be at least 1, got " + ceiling);
        }
        this.server = server;
        this.ceiling = ceiling;
        this.bound = bound;
        bound.accept(level);
        if (ceiling == 1) {
            settled = true;
        }
    }

    /** The level in use: the bound on requests in flight now, or where it settled. */
    public synchronized int level() {
        return level;
    }

    /** Whether the level is settled: no more measuring. */
    public synchronized boolean settled() {
        return settled;
    }

    /** Generated tokens/s at each level judged so far, in the order they were judged: what the level rests on. */
    public synchronized Map<Integer, Double> judged() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(judged));
    }

    /** What a request sent now is measured as. */
    public synchronized Sent sent() {
        return new Sent(level, sends++ >= level);
    }

    /**
     * An answer to a request sent with {@code sent}: {@code tokens} generated in {@code nanos} from sending to the
     * answer, with {@code inFlight} requests in flight on average meanwhile, itself included. Answers to requests
     * sent at an earlier level are not counted: they ran with fewer in flight.
     */
    public synchronized void answered(Sent sent, long nanos, long tokens, double inFlight) {
        if (settled || sent.level() != level || !sent.measured()) {
            return;
        }
        answers++;
        this.tokens += tokens;
        this.nanos += nanos;
        inFlightNanos += inFlight * nanos;
        if (answers < Math.max(FEWEST_ANSWERS, 2 * level)) {
            return;
        }
        double seconds = Math.max(1, this.nanos) / 1e9;
        double throughput = inFlightNanos / 1e9 / seconds * this.tokens / seconds;
        judged.put(level, throughput);
        if (lastThroughput >= 0 && throughput * 100 < lastThroughput * (100 + GAIN_PERCENT)) {
            settle(lastLevel, lastThroughput, level, throughput);
        } else if (level == ceiling) {
            settle(level, throughput, lastLevel, lastThroughput);
        } else {
            lastLevel = level;
            lastThroughput = throughput;
            next(Math.min(2 * level, ceiling));
        }
    }

    private void next(int newLevel) {
        level = newLevel;
        sends = 0;
        answers = 0;
        tokens = 0;
        nanos = 0;
        inFlightNanos = 0;
        bound.accept(level);
        log.debug("{}: measuring {} requests in flight", server, level);
    }

    private void settle(int at, double throughput, int other, double otherThroughput) {
        settled = true;
        if (at != level) {
            level = at;
            bound.accept(level);
        }
        String compared = other == 0 ? "" : "; " + other + " gave " + tokensPerSecond(otherThroughput) + " tokens/s";
        log.info(
                "Concurrency for {} settled at {}{} ({} tokens/s{})",
                server,
                at,
                at == ceiling && other < at ? ", the most allowed" : "",
                tokensPerSecond(throughput),
                compared);
    }

    private static String tokensPerSecond(double throughput) {
        return String.format(Locale.ROOT, "%.0f", throughput);
    }
}

package dev.promptbatch.simulator;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;

/**
 * Which {@code /api/generate}, {@code /api/chat} and {@code /api/embed} requests fail, and how. Thread-safe; may
 * be changed while the server runs.
 *
 * <p>Deterministic rules ({@link #failWhen}) are checked first, in the order they were added; the first one whose
 * condition matches decides. Otherwise one number is drawn from a seeded PRNG per request and compared with the
 * cumulative {@linkplain #rate rates}, so each fault occurs with exactly its configured probability. Only valid
 * requests that generate or embed something are subject to faults.
 */
public final class SimulatorFaults {

    /** Fixed so that a run with fault rates is reproducible unless a test picks another seed. */
    private static final long DEFAULT_SEED = 1;

    private static final long DEFAULT_SLOW_MILLIS = 5000;

    private record Rule(Predicate<SimulatedRequest> condition, Fault fault) {}

    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final Map<Fault, Double> rates = new EnumMap<>(Fault.class);
    private final Random random = new Random(DEFAULT_SEED);
    private volatile long slowMillis = DEFAULT_SLOW_MILLIS;
    private volatile CountDownLatch versionHeld = new CountDownLatch(0);

    /**
     * Injects {@code fault} into a random share of requests.
     *
     * @param probability between 0 and 1; 0 removes the rate. All rates together must not exceed 1.
     */
    public synchronized void rate(Fault fault, double probability) {
        Objects.requireNonNull(fault, "fault");
        if (!(probability >= 0 && probability <= 1)) {
            throw new IllegalArgumentException(
                    "probability of " + fault + " must be between 0 and 1, got " + probability);
        }
        double others = rates.entrySet().stream()
                .filter(e -> e.getKey() != fault)
                .mapToDouble(Map.Entry::getValue)
                .sum();
        if (others + probability > 1 + 1e-9) {
            throw new IllegalArgumentException("fault rates add up to more than 1 with " + fault + "=" + probability);
        }
        if (probability == 0) {
            rates.remove(fault);
        } else {
            rates.put(fault, probability);
        }
    }

    /** Restarts the PRNG behind {@link #rate}, so the same sequence of requests meets the same faults. */
    public synchronized void seed(long seed) {
        random.setSeed(seed);
    }

    /** Every request matching {@code condition} gets {@code fault}. */
    public void failWhen(Predicate<SimulatedRequest> condition, Fault fault) {
        rules.add(new Rule(Objects.requireNonNull(condition, "condition"), Objects.requireNonNull(fault, "fault")));
    }

    /** How long a {@link Fault#SLOW} request is held before its normal answer (default 5000). */
    public void slowMillis(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("slowMillis must be >= 0, got " + millis);
        }
        slowMillis = millis;
    }

    public long slowMillis() {
        return slowMillis;
    }

    /** A snapshot of the configured rates, in {@link Fault} order. */
    public synchronized Map<Fault, Double> rates() {
        return Collections.unmodifiableMap(new EnumMap<>(rates));
    }

    /**
     * Holds every {@code GET /api/version} answer until {@link #releaseVersion()}: a server slow to answer the first
     * question a run asks it, which keeps the run in its checks.
     */
    public void holdVersion() {
        versionHeld = new CountDownLatch(1);
    }

    /** Lets the {@code /api/version} answers held by {@link #holdVersion()} go, and every later one at once. */
    public void releaseVersion() {
        versionHeld.countDown();
    }

    /** Waits while {@code /api/version} answers are held. */
    void awaitVersionReleased() throws InterruptedException {
        versionHeld.await();
    }

    /** Removes all rules and rates; the seed and slowMillis stay. */
    public synchronized void clear() {
        rules.clear();
        rates.clear();
    }

    /** Decides the fault for one request, if any. */
    Optional<Fault> pick(SimulatedRequest request) {
        for (Rule rule : rules) {
            if (rule.condition().test(request)) {
                return Optional.of(rule.fault());
            }
        }
        synchronized (this) {
            if (rates.isEmpty()) {
                return Optional.empty();
            }
            double draw = random.nextDouble();
            double cumulative = 0;
            for (Map.Entry<Fault, Double> rate : rates.entrySet()) {
                cumulative += rate.getValue();
                if (draw < cumulative) {
                    return Optional.of(rate.getKey());
                }
            }
            return Optional.empty();
        }
    }
}

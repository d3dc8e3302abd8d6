package dev.promptbatch.progress;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * Counts sampled over time, for rates over the last minute: the oldest sample kept is the last one at least a window
 * old, so a rate spans the whole window once the run is that old, and what came before does not weigh on it.
 */
final class RateWindow {
    private static final long SHORTEST_SPAN_NANOS = Duration.ofSeconds(1).toNanos();

    private record Sample(long nanos, long answered, long done) {}

    private final long windowNanos;
    private final ArrayDeque<Sample> samples = new ArrayDeque<>();

    RateWindow(Duration window) {
        this.windowNanos = window.toNanos();
    }

    synchronized void record(long nanos, long answered, long done) {
        samples.addLast(new Sample(nanos, answered, done));
        while (samples.size() >= 2 && second().nanos() <= nanos - windowNanos) {
            samples.removeFirst();
        }
    }

    /** Answers per minute between the oldest and the newest sample; null until they are a second apart. */
    synchronized Double answersPerMinute() {
        return span() < SHORTEST_SPAN_NANOS
                ? null
                : perMinute(samples.getLast().answered() - samples.getFirst().answered());
    }

    /** Records done (answered or failed) per minute, as {@link #answersPerMinute()}. */
    synchronized Double donePerMinute() {
        return span() < SHORTEST_SPAN_NANOS
                ? null
                : perMinute(samples.getLast().done() - samples.getFirst().done());
    }

    private double perMinute(long count) {
        return count * 60e9 / span();
    }

    private long span() {
        return samples.isEmpty()
                ? 0
                : samples.getLast().nanos() - samples.getFirst().nanos();
    }

    private Sample second() {
        Iterator<Sample> it = samples.iterator();
        it.next();
        return it.next();
    }
}

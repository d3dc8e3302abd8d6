package dev.promptbatch.servers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link Ticker} that moves only when someone sleeps on it: a sleep returns at once, with the time moved on by it.
 * Actions set {@linkplain #at(Duration, Runnable) at} a time run when the time first reaches it, so a test can end an
 * outage after two minutes that take no time.
 */
public final class ManualTicker implements Ticker {
    /** Like {@link System#nanoTime()}, the time starts anywhere: code that takes 0 for "not yet" is caught out. */
    private static final long ORIGIN = 123_456_789_000L;

    private long nanos = ORIGIN;
    private final List<Duration> sleeps = new ArrayList<>();
    private final TreeMap<Long, Runnable> actions = new TreeMap<>();

    @Override
    public synchronized long nanoTime() {
        return nanos;
    }

    @Override
    public void sleep(Duration duration) {
        List<Runnable> due = new ArrayList<>();
        synchronized (this) {
            sleeps.add(duration);
            nanos += duration.toNanos();
            Map<Long, Runnable> reached = actions.headMap(nanos - ORIGIN, true);
            due.addAll(reached.values());
            reached.clear();
        }
        due.forEach(Runnable::run);
    }

    /** Runs {@code action} (once) on the sleep that moves the time to {@code time} or past it. */
    public synchronized ManualTicker at(Duration time, Runnable action) {
        actions.put(time.toNanos(), action);
        return this;
    }

    public synchronized Duration elapsed() {
        return Duration.ofNanos(nanos - ORIGIN);
    }

    public synchronized List<Duration> sleeps() {
        return List.copyOf(sleeps);
    }
}

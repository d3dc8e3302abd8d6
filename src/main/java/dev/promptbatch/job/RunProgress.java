package dev.promptbatch.job;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Live counts of a run, for the periodic log line and for {@code status} in another process. Committed counts
 * include what earlier executions of the same run committed.
 */
public final class RunProgress {
    private final long startNanos = System.nanoTime();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong answeredBefore = new AtomicLong();
    private final AtomicLong failedBefore = new AtomicLong();

    /** What earlier executions of this run had committed, when this one resumes it. */
    void resumedFrom(long answeredEarlier, long failedEarlier) {
        answeredBefore.set(answeredEarlier);
        failedBefore.set(failedEarlier);
    }

    void committed(long newAnswers, long newFailures) {
        answered.addAndGet(newAnswers);
        failed.addAndGet(newFailures);
    }

    public Map<String, Object> snapshot() {
        long seconds = Math.max(1, Duration.ofNanos(System.nanoTime() - startNanos).toSeconds());
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("answered", answeredBefore.get() + answered.get());
        values.put("failed", failedBefore.get() + failed.get());
        values.put("answers_per_minute", Math.round(answered.get() * 600.0 / seconds) / 10.0);
        values.put("running_seconds", seconds);
        return values;
    }

    String line() {
        Map<String, Object> s = snapshot();
        return s.get("answered") + " answered, " + s.get("failed") + " failed, " + s.get("answers_per_minute")
                + " answers/min";
    }
}

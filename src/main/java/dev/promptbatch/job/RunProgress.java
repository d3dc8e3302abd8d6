package dev.promptbatch.job;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Live counts of a run, for the periodic log line. Committed counts include what earlier executions of the same run
 * committed.
 */
public final class RunProgress {
    private final LongSupplier nanoTime;
    private final long startNanos;
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong answeredBefore = new AtomicLong();
    private final AtomicLong failedBefore = new AtomicLong();

    /** @param nanoTime the clock of the answers' rate, {@code System::nanoTime} but in tests */
    RunProgress(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.startNanos = nanoTime.getAsLong();
    }

    /** What earlier executions of this run had committed, when this one resumes it. */
    void resumedFrom(long answeredEarlier, long failedEarlier) {
        answeredBefore.set(answeredEarlier);
        failedBefore.set(failedEarlier);
    }

    void committed(long newAnswers, long newFailures) {
        answered.addAndGet(newAnswers);
        failed.addAndGet(newFailures);
    }

    /** Answered and failed for the whole run so far, and this execution's answers per minute. */
    String line() {
        long seconds =
                Math.max(1, Duration.ofNanos(nanoTime.getAsLong() - startNanos).toSeconds());
        return (answeredBefore.get() + answered.get()) + " answered, " + (failedBefore.get() + failed.get())
                + " failed, " + Math.round(answered.get() * 600.0 / seconds) / 10.0 + " answers/min";
    }
}

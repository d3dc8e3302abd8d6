package dev.promptbatch.job;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Live counts of a run, for its progress: committed counts of this execution, and what earlier executions of the run
 * committed.
 */
public final class RunProgress {
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong answeredBefore = new AtomicLong();
    private final AtomicLong failedBefore = new AtomicLong();

    RunProgress() {}

    /** What earlier executions of this run had committed, when this one resumes it. */
    void resumedFrom(long answeredEarlier, long failedEarlier) {
        answeredBefore.set(answeredEarlier);
        failedBefore.set(failedEarlier);
    }

    void committed(long newAnswers, long newFailures) {
        answered.addAndGet(newAnswers);
        failed.addAndGet(newFailures);
    }

    /** Records answered in the whole run so far. */
    long answered() {
        return answeredBefore.get() + answered.get();
    }

    /** Records failed for good in the whole run so far. */
    long failed() {
        return failedBefore.get() + failed.get();
    }

    /** Records answered by this execution: the pace is this execution's, whatever came before it. */
    long answeredHere() {
        return answered.get();
    }

    /** Records failed for good in this execution. */
    long failedHere() {
        return failed.get();
    }
}

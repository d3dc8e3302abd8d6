package dev.promptbatch.job;

import java.util.concurrent.atomic.AtomicLong;

/** Live counts of a run, for its progress: committed counts, including what earlier executions of the run committed. */
public final class RunProgress {
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    RunProgress() {}

    /** What earlier executions of this run had committed, when this one resumes it. */
    void resumedFrom(long answeredEarlier, long failedEarlier) {
        answered.set(answeredEarlier);
        failed.set(failedEarlier);
    }

    void committed(long newAnswers, long newFailures) {
        answered.addAndGet(newAnswers);
        failed.addAndGet(newFailures);
    }

    /** Records answered in the whole run so far. */
    long answered() {
        return answered.get();
    }

    /** Records failed for good in the whole run so far. */
    long failed() {
        return failed.get();
    }
}

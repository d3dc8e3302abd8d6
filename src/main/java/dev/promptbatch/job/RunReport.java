package dev.promptbatch.job;

import java.time.Duration;

import dev.promptbatch.output.RunSummary;

/**
 * How a run ended.
 *
 * @param wallTime time spent running, over every execution of the job instance
 * @param message  why it failed or stopped, or null
 */
public record RunReport(Result result, long executionId, Duration wallTime, String message, RunSummary summary) {
    public enum Result {
        COMPLETED, ALREADY_COMPLETE, FAILED, STOPPED,
        /** Failed, and the answers committed to the output are gone with it: only a new run can start over. */
        OUTPUT_LOST
    }
}

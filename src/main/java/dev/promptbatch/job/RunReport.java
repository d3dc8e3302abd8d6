package dev.promptbatch.job;

import java.time.Duration;

import dev.promptbatch.output.RunSummary;
import dev.promptbatch.servers.AdaptiveConcurrency;

/**
 * How a run ended.
 *
 * @param wallTime   time spent running, over every execution of the job instance
 * @param message    why it failed or stopped, or null
 * @param throttling how this execution slowed down for a busy server; null when it sent nothing
 */
public record RunReport(
        Result result,
        long executionId,
        Duration wallTime,
        String message,
        RunSummary summary,
        AdaptiveConcurrency.Report throttling) {
    public enum Result {
        COMPLETED,
        ALREADY_COMPLETE,
        FAILED,
        STOPPED,
        /** Failed, and the answers committed to the output are gone with it: only a new run can start over. */
        OUTPUT_LOST
    }

    public RunReport(Result result, long executionId, Duration wallTime, String message, RunSummary summary) {
        this(result, executionId, wallTime, message, summary, null);
    }

    public RunReport withThrottling(AdaptiveConcurrency.Report throttling) {
        return new RunReport(result, executionId, wallTime, message, summary, throttling);
    }
}

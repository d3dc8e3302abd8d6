package dev.promptbatch.job;

import java.time.Duration;
import java.util.List;

import dev.promptbatch.output.RunSummary;
import dev.promptbatch.servers.AdaptiveConcurrency;

/**
 * How a run ended.
 *
 * @param wallTime   time spent running, over every execution of the job instance
 * @param message    why it failed or stopped, or null
 * @param summary    the run's statistics; null for {@link Result#NOT_STARTED}, which has none
 * @param throttling how this execution slowed down for busy servers, one report per server; empty when it sent
 *     nothing
 */
public record RunReport(
        Result result,
        long executionId,
        Duration wallTime,
        String message,
        RunSummary summary,
        List<AdaptiveConcurrency.Report> throttling) {
    public enum Result {
        COMPLETED,
        ALREADY_COMPLETE,
        FAILED,
        STOPPED,
        /**
         * Stopped by a signal before a new run (a first one, or {@code --new-run}) started: nothing was sent and no
         * file changed, so the files beside the output are another run's.
         */
        NOT_STARTED,
        /** Failed, and the answers committed to the output are gone with it: only a new run can start over. */
        OUTPUT_LOST
    }

    public RunReport(Result result, long executionId, Duration wallTime, String message, RunSummary summary) {
        this(result, executionId, wallTime, message, summary, List.of());
    }

    public RunReport withThrottling(List<AdaptiveConcurrency.Report> throttling) {
        return new RunReport(result, executionId, wallTime, message, summary, throttling);
    }
}

package dev.promptbatch.job;

import java.util.List;
import java.util.Map;

import dev.promptbatch.metrics.RunMonitor;
import dev.promptbatch.progress.ProgressSettings;
import dev.promptbatch.servers.ServerTarget;
import dev.promptbatch.spec.JobSpec;

/**
 * Everything one {@code run} needs.
 *
 * @param servers    one or more, in the order the spec or the command line gives them
 * @param parameters the {@code --param} values; with the job name they identify the job instance
 * @param newRun     start a new instance even if one with these parameters exists
 * @param simulated  the answers come from the built-in simulator
 * @param stop       set by signal handlers to stop the run gracefully
 * @param progress   how the run shows its progress
 * @param monitor    the metrics written at every progress interval; {@link RunMonitor#NONE} without any
 * @param retry      whether this run sends again the failed records of the completed run
 */
public record RunSettings(
        JobSpec spec,
        List<ServerTarget> servers,
        JobDatabase database,
        Map<String, String> parameters,
        boolean newRun,
        boolean simulated,
        GracefulStop stop,
        ProgressSettings progress,
        RunMonitor monitor,
        RetryFailed retry) {

    /** Settings of a run that is not a retry of failed records. */
    public RunSettings(
            JobSpec spec,
            List<ServerTarget> servers,
            JobDatabase database,
            Map<String, String> parameters,
            boolean newRun,
            boolean simulated,
            GracefulStop stop,
            ProgressSettings progress,
            RunMonitor monitor) {
        this(spec, servers, database, parameters, newRun, simulated, stop, progress, monitor, RetryFailed.OFF);
    }

    /** Settings that show progress as a log line every 30 s, without metrics. */
    public RunSettings(
            JobSpec spec,
            List<ServerTarget> servers,
            JobDatabase database,
            Map<String, String> parameters,
            boolean newRun,
            boolean simulated,
            GracefulStop stop) {
        this(
                spec,
                servers,
                database,
                parameters,
                newRun,
                simulated,
                stop,
                ProgressSettings.LOG_EVERY_30_SECONDS,
                RunMonitor.NONE);
    }
}

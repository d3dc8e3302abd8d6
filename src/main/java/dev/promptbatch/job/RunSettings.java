package dev.promptbatch.job;

import java.util.List;
import java.util.Map;

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
 */
public record RunSettings(
        JobSpec spec,
        List<ServerTarget> servers,
        JobDatabase database,
        Map<String, String> parameters,
        boolean newRun,
        boolean simulated,
        GracefulStop stop,
        ProgressSettings progress) {

    /** Settings that show progress as a log line every 30 s. */
    public RunSettings(
            JobSpec spec,
            List<ServerTarget> servers,
            JobDatabase database,
            Map<String, String> parameters,
            boolean newRun,
            boolean simulated,
            GracefulStop stop) {
        this(spec, servers, database, parameters, newRun, simulated, stop, ProgressSettings.LOG_EVERY_30_SECONDS);
    }
}

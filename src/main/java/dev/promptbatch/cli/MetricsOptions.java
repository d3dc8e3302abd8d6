package dev.promptbatch.cli;

import java.nio.file.Path;
import java.time.Clock;

import picocli.CommandLine.Option;

import dev.promptbatch.metrics.MetricsFile;
import dev.promptbatch.metrics.Pushgateway;
import dev.promptbatch.metrics.RunMonitor;
import dev.promptbatch.spec.JobSpec;

/** {@code --metrics-file PATH.prom} and {@code --pushgateway URL}, of every command that runs a job. */
final class MetricsOptions {
    @Option(
            names = "--metrics-file",
            paramLabel = "PATH.prom",
            description = "Write the run's metrics for monitoring in Prometheus's text format, replaced atomically "
                    + "at every progress interval and at the end (replaces the spec's metrics-file).")
    Path file;

    @Option(
            names = "--pushgateway",
            paramLabel = "URL",
            description = "Also push the metrics to this Prometheus Pushgateway, as the group /metrics/job/JOB.")
    String pushgateway;

    /**
     * The run's metrics, checked before anything is run: a metrics file that cannot be written, or a Pushgateway URL
     * that is not one, refuses the run.
     */
    RunMonitor monitor(JobSpec spec, CliEnvironment environment, Clock clock) {
        Path metrics = null;
        if (file != null) {
            metrics = environment.workingDirectory().resolve(file).normalize();
            String problem = MetricsFile.problem(metrics).orElse(null);
            if (problem != null) {
                throw new CommandRefusedException("--metrics-file " + file + ": " + problem);
            }
        } else if (spec.output().metrics() != null) {
            metrics = spec.output().metrics();
            String problem = MetricsFile.problem(metrics).orElse(null);
            if (problem != null) {
                throw new CommandRefusedException(spec.specFile() + ": metrics-file: " + problem);
            }
        }
        Pushgateway gateway = null;
        if (pushgateway != null) {
            try {
                gateway = Pushgateway.of(pushgateway);
            } catch (IllegalArgumentException e) {
                throw new CommandRefusedException("--pushgateway: " + e.getMessage());
            }
        }
        if (metrics == null && gateway == null) {
            return RunMonitor.NONE;
        }
        return new RunMonitor(
                spec.name(),
                spec.generation().models(),
                metrics == null ? null : new MetricsFile(metrics),
                gateway,
                clock);
    }
}

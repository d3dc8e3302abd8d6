package dev.promptbatch.metrics;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.promptbatch.output.OutputFileException;
import dev.promptbatch.output.RunSummary;

/**
 * A run's metrics for monitoring, written to the metrics file and pushed to the Pushgateway at every progress interval
 * and when the execution ends. Neither may change how the run ends: a file that cannot be written or a gateway that
 * does not answer is one warning each for the whole run, and the run goes on with its own exit code.
 *
 * <p>While a run goes on, the last run's end and exit code, and the last success, are those of the file as it was
 * (an alert on the last status keeps its state until this run ends); when it ends, a completed run (exit code 0 or
 * 3) is the new last success, and any other keeps the one before.
 */
public final class RunMonitor {
    private static final Logger log = LoggerFactory.getLogger(RunMonitor.class);

    /** No metrics file and no Pushgateway: nothing is measured. */
    public static final RunMonitor NONE = new RunMonitor("", List.of(), null, null, Clock.systemUTC());

    private final String job;
    private final List<String> models;
    private final @Nullable MetricsFile file;
    private final @Nullable Pushgateway gateway;
    private final Clock clock;
    private final Instant started;
    private final Map<String, Double> lastSuccess;
    private final Map<String, RunMetrics.LastRun> lastRun;
    /** Set once the execution's end is written: a progress tick still under way must not overwrite it. */
    private boolean ended;

    private boolean fileWarned;
    private boolean pushWarned;

    /**
     * @param job    the spec's name, the {@code job} label and the Pushgateway's group
     * @param models the run's models, in the spec's order, one series each
     * @param clock  the time of the timestamps and of the run's duration
     */
    public RunMonitor(
            String job, List<String> models, @Nullable MetricsFile file, @Nullable Pushgateway gateway, Clock clock) {
        this.job = job;
        this.models = List.copyOf(models);
        this.file = file;
        this.gateway = gateway;
        this.clock = clock;
        this.started = clock.instant();
        this.lastSuccess = new HashMap<>();
        this.lastRun = new HashMap<>();
        if (file != null) {
            readBack(file);
        }
    }

    public boolean on() {
        return file != null || gateway != null;
    }

    public List<String> models() {
        return models;
    }

    /** Stops the writes at every interval; closing it is idempotent. */
    public interface Ticks extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Writes the metrics at every interval (the run's progress interval) on a timer of its own, with the counts so
     * far; an interval without counts yet writes nothing. Without metrics, nothing is scheduled.
     */
    public Ticks everyInterval(Duration interval, Supplier<Optional<Map<String, ModelCounts>>> counts) {
        if (!on()) {
            return () -> {};
        }
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "metrics");
            thread.setDaemon(true);
            return thread;
        });
        // publish() catches its own failures: a task that threw would never be run again.
        timer.scheduleAtFixedRate(
                () -> counts.get().ifPresent(this::duringRun),
                interval.toMillis(),
                interval.toMillis(),
                TimeUnit.MILLISECONDS);
        return timer::shutdownNow;
    }

    /** At a progress interval: the counts so far, with the last run's facts unchanged. */
    public synchronized void duringRun(Map<String, ModelCounts> counts) {
        if (!on() || ended) {
            return;
        }
        publish(new RunMetrics(job, lastSuccess, lastRun, elapsed(), counts));
    }

    /**
     * When the execution has ended, with the command's exit code and the run's summary, read from its files (the
     * summary is not read when there are no metrics).
     */
    public void afterRun(int exitCode, Supplier<RunSummary> summary) {
        if (!on()) {
            return;
        }
        Map<String, ModelCounts> counts;
        try {
            counts = ModelCounts.of(summary.get(), models);
        } catch (RuntimeException e) {
            log.warn("Could not read the run's records for its metrics: {}; they count none", e.getMessage());
            counts = ModelCounts.zero(models);
        }
        afterRun(exitCode, counts);
    }

    private synchronized void afterRun(int exitCode, Map<String, ModelCounts> counts) {
        ended = true;
        double now = clock.millis() / 1000.0;
        for (String model : models) {
            lastRun.put(model, new RunMetrics.LastRun(now, exitCode));
            if (exitCode == 0 || exitCode == 3) {
                lastSuccess.put(model, now);
            }
        }
        publish(new RunMetrics(job, lastSuccess, lastRun, elapsed(), counts));
    }

    private Duration elapsed() {
        return Duration.between(started, clock.instant());
    }

    private void publish(RunMetrics metrics) {
        if (file != null) {
            try {
                file.write(metrics.text());
            } catch (IOException | RuntimeException e) {
                if (!fileWarned) {
                    fileWarned = true;
                    log.warn(
                            "Could not write the metrics file {}: {}; the run goes on",
                            file.path(),
                            e instanceof IOException io ? OutputFileException.reason(io) : e.getMessage());
                }
            }
        }
        if (gateway != null) {
            try {
                gateway.push(job, metrics.snapshots());
            } catch (IOException | RuntimeException e) {
                if (!pushWarned) {
                    pushWarned = true;
                    log.warn(
                            "Could not push the metrics to the Pushgateway at {}: {}; the run's exit code is "
                                    + "unchanged",
                            gateway.display(),
                            reason(e));
                }
            }
        }
    }

    /** The root cause's message: the client's own wraps it in a sentence that names the gateway again. */
    private static String reason(Exception e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }

    /** The last success and the last run's facts as the file holds them, for the models of this run. */
    private void readBack(MetricsFile metricsFile) {
        try {
            lastSuccess.putAll(metricsFile.gauge(RunMetrics.LAST_SUCCESS, job));
            Map<String, Double> ended = metricsFile.gauge(RunMetrics.LAST_RUN, job);
            Map<String, Double> status = metricsFile.gauge(RunMetrics.LAST_STATUS, job);
            ended.forEach((model, timestamp) -> {
                Double code = status.get(model);
                if (code != null) {
                    lastRun.put(model, new RunMetrics.LastRun(timestamp, code.intValue()));
                }
            });
        } catch (IOException e) {
            log.warn(
                    "Could not read the metrics file {}: {}; the last success is not known",
                    metricsFile.path(),
                    OutputFileException.reason(e));
        }
    }
}

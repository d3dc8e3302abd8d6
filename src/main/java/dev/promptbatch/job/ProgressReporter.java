package dev.promptbatch.job;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** While a run goes on: a progress line in the log now and then, for whoever reads a cron job's output. */
final class ProgressReporter implements AutoCloseable {
    static final Duration EVERY = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(ProgressReporter.class);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "progress");
        thread.setDaemon(true);
        return thread;
    });

    private final Supplier<String> line;
    private final Runnable alsoEachTime;
    private boolean failedBefore;

    ProgressReporter(Supplier<String> line, Duration every) {
        this(line, every, () -> {});
    }

    /** @param alsoEachTime run after each line: the metrics for monitoring, which report their own failures */
    ProgressReporter(Supplier<String> line, Duration every, Runnable alsoEachTime) {
        this.line = line;
        this.alsoEachTime = alsoEachTime;
        timer.scheduleAtFixedRate(this::report, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A task that throws is never run again by the timer: a failed report is logged once, and the next one tried. */
    private void report() {
        try {
            log.info("Progress: {}", line.get());
        } catch (RuntimeException e) {
            if (!failedBefore) {
                failedBefore = true;
                log.warn("Could not report progress: {}; the run goes on", e.getMessage());
            }
        }
        alsoEachTime.run();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}

package dev.promptbatch.job;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** While a run goes on: a progress line in the log now and then, for whoever reads a cron job's output. */
final class ProgressReporter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProgressReporter.class);
    private static final long LOG_SECONDS = 30;

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "progress");
        thread.setDaemon(true);
        return thread;
    });

    ProgressReporter(RunProgress progress) {
        timer.scheduleAtFixedRate(() -> log.info("Progress: {}", progress.line()), LOG_SECONDS, LOG_SECONDS,
                TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}

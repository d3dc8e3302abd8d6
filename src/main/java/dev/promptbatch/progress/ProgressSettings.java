package dev.promptbatch.progress;

import java.time.Duration;

/**
 * How a run shows its progress.
 *
 * @param interval without a terminal, the time between two progress lines in the log
 */
public record ProgressSettings(Mode mode, Duration interval) {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);

    /** Where no one asked for anything else: a log line every 30 s. */
    public static final ProgressSettings LOG_EVERY_30_SECONDS = new ProgressSettings(Mode.LOG, DEFAULT_INTERVAL);

    public enum Mode {
        /** One line redrawn in place, log lines above it. */
        TERMINAL,
        /** A plain log line every interval, no control characters: cron, a pipe, CI. */
        LOG,
        /** No progress, and of the log only warnings and errors. */
        QUIET
    }

    /** The settings for this process: quiet when asked, else a terminal's line when there is one, else the log's. */
    public static ProgressSettings decide(boolean quiet, Duration interval, String term) {
        Mode mode = quiet ? Mode.QUIET : TerminalCheck.interactive(term) ? Mode.TERMINAL : Mode.LOG;
        return new ProgressSettings(mode, interval);
    }
}

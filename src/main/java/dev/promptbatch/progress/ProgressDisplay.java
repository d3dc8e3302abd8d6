package dev.promptbatch.progress;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.promptbatch.generation.WorkPlan;
import dev.promptbatch.outcome.Cell;
import dev.promptbatch.servers.Ticker;
import dev.promptbatch.spec.JobSpec;

/**
 * A run's progress while it goes on: on a terminal, the line redrawn every second; without one, a log line every
 * interval; with {@code --quiet}, nothing. The pace and the ETA are those of the last minute.
 */
public final class ProgressDisplay implements AutoCloseable {
    static final Duration REDRAW = Duration.ofSeconds(1);
    static final Duration PACE_WINDOW = Duration.ofMinutes(1);

    private static final Logger log = LoggerFactory.getLogger(ProgressDisplay.class);

    /**
     * What the run has done at one moment, counted by whoever does it: answered and failed in the whole run, and
     * done and answered in this execution, which alone set the pace (a resumed run's earlier records arrive at once).
     */
    public record Counts(
            long answered, long failed, long doneHere, long answeredHere, List<ProgressFacts.ServerLoad> inFlight) {}

    private final List<Cell> passes;
    private final InputCount input;
    /** The records of each pass when they are known from the start (a retry's), else null: the input's count. */
    private final List<Long> passSizes;

    private final Supplier<Counts> counts;
    private final Ticker ticker;
    private final RateWindow window = new RateWindow(PACE_WINDOW);
    private ScheduledExecutorService timer;
    private TerminalLine line;
    private TerminalWidth width;
    private boolean failedBefore;

    ProgressDisplay(List<Cell> passes, InputCount input, Supplier<Counts> counts, Ticker ticker) {
        this(passes, input, null, counts, ticker);
    }

    private ProgressDisplay(
            List<Cell> passes, InputCount input, List<Long> passSizes, Supplier<Counts> counts, Ticker ticker) {
        this.passes = List.copyOf(passes);
        this.input = input;
        this.passSizes = passSizes == null ? null : List.copyOf(passSizes);
        this.counts = counts;
        this.ticker = ticker;
    }

    /**
     * A display whose passes and their records are known: {@code --retry-failed}'s, over the records it sends, by
     * pass in run order.
     */
    static ProgressDisplay ofPasses(List<Map.Entry<Cell, Long>> passes, Supplier<Counts> counts, Ticker ticker) {
        return new ProgressDisplay(
                passes.stream().map(Map.Entry::getKey).toList(),
                InputCount.of(0),
                passes.stream().map(Map.Entry::getValue).toList(),
                counts,
                ticker);
    }

    /**
     * Starts showing the progress of a run of {@code spec}. The terminal's line goes to stdout: the terminal that
     * {@link TerminalCheck} found is stdout's.
     */
    public static ProgressDisplay start(ProgressSettings settings, JobSpec spec, Supplier<Counts> counts) {
        if (settings.mode() == ProgressSettings.Mode.QUIET) {
            return new ProgressDisplay(List.of(), InputCount.of(0), counts, Ticker.SYSTEM);
        }
        return start(
                settings,
                new ProgressDisplay(
                        WorkPlan.passes(spec),
                        InputCount.start(spec.input().file(), spec.input().maxRecordBytes()),
                        counts,
                        Ticker.SYSTEM));
    }

    /**
     * Starts showing the progress of {@code --retry-failed}: the records it sends again, by pass in run order, are
     * its total.
     */
    public static ProgressDisplay startRetry(
            ProgressSettings settings, List<Map.Entry<Cell, Long>> passes, Supplier<Counts> counts) {
        if (settings.mode() == ProgressSettings.Mode.QUIET) {
            return new ProgressDisplay(List.of(), InputCount.of(0), counts, Ticker.SYSTEM);
        }
        return start(settings, ofPasses(passes, counts, Ticker.SYSTEM));
    }

    static ProgressDisplay start(ProgressSettings settings, ProgressDisplay display) {
        display.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "progress");
            thread.setDaemon(true);
            return thread;
        });
        if (settings.mode() == ProgressSettings.Mode.TERMINAL) {
            display.width = new TerminalWidth(System.getenv());
            display.line = TerminalLine.on(System.out);
            display.every(Duration.ZERO, REDRAW, display::redraw);
        } else {
            // The pace is sampled every second, so that "the last minute" means the same whatever the interval.
            display.every(Duration.ZERO, REDRAW, display::facts);
            display.every(settings.interval(), settings.interval(), display::logLine);
        }
        return display;
    }

    private void every(Duration first, Duration period, Runnable task) {
        timer.scheduleAtFixedRate(
                () -> {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        // A task that throws is never run again by the timer: say so once, and go on.
                        if (!failedBefore) {
                            failedBefore = true;
                            log.warn("Could not report progress: {}; the run goes on", e.getMessage());
                        }
                    }
                },
                first.toMillis(),
                period.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private void redraw() {
        line.show(ProgressLine.terminal(facts(), width.columns()));
    }

    private void logLine() {
        log.info("Progress: {}", ProgressLine.log(facts()));
    }

    /** The facts now; each call is also a sample of the pace. */
    ProgressFacts facts() {
        Counts now = counts.get();
        long done = now.answered() + now.failed();
        window.record(ticker.nanoTime(), now.answeredHere(), now.doneHere());
        List<Long> sizes = passSizes();
        Long total =
                sizes == null ? null : sizes.stream().mapToLong(Long::longValue).sum();
        Cell pass = null;
        int passNumber = 0;
        if (passes.size() == 1) {
            pass = passes.get(0);
            passNumber = 1;
        } else if (total != null && total > 0) {
            // The output is written pass after pass, so the records done tell which pass is under way.
            int index = passes.size() - 1;
            long upTo = 0;
            for (int i = 0; i < sizes.size(); i++) {
                upTo += sizes.get(i);
                if (done < upTo) {
                    index = i;
                    break;
                }
            }
            pass = passes.get(index);
            passNumber = index + 1;
        }
        Double donePerMinute = window.donePerMinute();
        Duration eta = null;
        if (total != null && done >= total) {
            eta = Duration.ZERO;
        } else if (total != null && donePerMinute != null && donePerMinute > 0) {
            eta = Duration.ofMillis(Math.round((total - done) * 60_000.0 / donePerMinute));
        }
        return new ProgressFacts(
                pass,
                passNumber,
                passes.size(),
                done,
                total,
                now.answered(),
                now.failed(),
                window.answersPerMinute(),
                eta,
                now.inFlight());
    }

    /** The records of each pass, or null while the input is being counted. */
    private List<Long> passSizes() {
        if (passSizes != null) {
            return passSizes;
        }
        Long perPass = input.records();
        return perPass == null ? null : Collections.nCopies(passes.size(), perPass);
    }

    /** Stops the updates and erases the terminal's line, so that what is printed next starts in the first column. */
    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
            try {
                timer.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (line != null) {
            line.close();
        }
        if (width != null) {
            width.close();
        }
        input.close();
    }
}

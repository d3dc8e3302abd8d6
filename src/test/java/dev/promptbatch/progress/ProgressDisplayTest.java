package dev.promptbatch.progress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import dev.promptbatch.outcome.Cell;
import dev.promptbatch.progress.ProgressFacts.ServerLoad;
import dev.promptbatch.servers.ManualTicker;

class ProgressDisplayTest {
    private static final List<Cell> FOUR_PASSES = List.of(
            new Cell("llama3.2:3b", null, 1L, null),
            new Cell("llama3.2:3b", null, 2L, null),
            new Cell("qwen2.5:7b", null, 1L, null),
            new Cell("qwen2.5:7b", null, 2L, null));
    private static final List<ServerLoad> IN_FLIGHT = List.of(new ServerLoad("http://127.0.0.1:11434", 3));

    private final ManualTicker ticker = new ManualTicker();
    private final AtomicReference<ProgressDisplay.Counts> counts =
            new AtomicReference<>(new ProgressDisplay.Counts(0, 0, 0, 0, IN_FLIGHT));

    private final Logger logger = (Logger) LoggerFactory.getLogger(ProgressDisplay.class);
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @BeforeEach
    void capture() {
        log.start();
        logger.addAppender(log);
    }

    @AfterEach
    void release() {
        logger.detachAppender(log);
    }

    private void counts(long answered, long failed) {
        counts.set(new ProgressDisplay.Counts(answered, failed, answered + failed, answered, IN_FLIGHT));
    }

    @Test
    void theRecordsDoneTellThePassAndThePaceOfTheLastMinuteTheEta() {
        ProgressDisplay display = new ProgressDisplay(FOUR_PASSES, InputCount.of(100), counts::get, ticker);

        ProgressFacts first = display.facts();
        assertThat(first.pass()).isEqualTo(FOUR_PASSES.get(0));
        assertThat(first.total()).isEqualTo(400);
        assertThat(first.answersPerMinute()).isNull();
        assertThat(first.eta()).isNull();

        ticker.sleep(Duration.ofSeconds(30));
        counts(140, 10);
        ProgressFacts later = display.facts();

        assertThat(later.pass()).isEqualTo(FOUR_PASSES.get(1));
        assertThat(later.passNumber()).isEqualTo(2);
        assertThat(later.done()).isEqualTo(150);
        assertThat(later.answersPerMinute()).isEqualTo(280.0);
        // 250 records left at 300 a minute.
        assertThat(later.eta()).isEqualTo(Duration.ofSeconds(50));
        assertThat(later.inFlight()).isEqualTo(IN_FLIGHT);
    }

    @Test
    void aRetryCountsTheRecordsItSendsAgainAndTheirPassesTellThePassUnderWay() {
        // 3 records of the first pass failed, none of the second or third, 2 of the fourth.
        ProgressDisplay display = ProgressDisplay.ofPasses(
                List.of(Map.entry(FOUR_PASSES.get(0), 3L), Map.entry(FOUR_PASSES.get(3), 2L)), counts::get, ticker);

        ProgressFacts first = display.facts();
        assertThat(first.total()).isEqualTo(5);
        assertThat(first.pass()).isEqualTo(FOUR_PASSES.get(0));
        assertThat(first.passNumber()).isEqualTo(1);
        assertThat(first.passes()).isEqualTo(2);

        counts(2, 0);
        assertThat(display.facts().pass()).isEqualTo(FOUR_PASSES.get(0));
        counts(2, 1);
        ProgressFacts second = display.facts();
        assertThat(second.pass()).isEqualTo(FOUR_PASSES.get(3));
        assertThat(second.passNumber()).isEqualTo(2);
        assertThat(second.done()).isEqualTo(3);
        counts(4, 1);
        assertThat(display.facts().eta()).isEqualTo(Duration.ZERO);
    }

    @Test
    void aResumedRunsEarlierRecordsCountInTheTotalsButNotInThePace() {
        ProgressDisplay display = new ProgressDisplay(FOUR_PASSES, InputCount.of(100), counts::get, ticker);
        display.facts();
        ticker.sleep(Duration.ofSeconds(10));
        // The writer opens and learns what the earlier executions committed.
        counts.set(new ProgressDisplay.Counts(200, 20, 0, 0, IN_FLIGHT));
        display.facts();
        ticker.sleep(Duration.ofSeconds(30));
        counts.set(new ProgressDisplay.Counts(230, 20, 30, 30, IN_FLIGHT));

        ProgressFacts resumed = display.facts();

        assertThat(resumed.done()).isEqualTo(250);
        assertThat(resumed.pass()).isEqualTo(FOUR_PASSES.get(2));
        assertThat(resumed.answersPerMinute()).isEqualTo(45.0);
        // 150 records left at 45 a minute.
        assertThat(resumed.eta()).isEqualTo(Duration.ofSeconds(200));
    }

    @Test
    void theLastPassStaysTheLastWhenEverythingIsDone() {
        ProgressDisplay display = new ProgressDisplay(FOUR_PASSES, InputCount.of(100), counts::get, ticker);
        counts(390, 10);

        ProgressFacts done = display.facts();

        assertThat(done.passNumber()).isEqualTo(4);
        assertThat(done.eta()).isEqualTo(Duration.ZERO);
    }

    @Test
    void aRunThatStoppedAnsweringHasNoEta() {
        ProgressDisplay display = new ProgressDisplay(FOUR_PASSES, InputCount.of(100), counts::get, ticker);
        counts(50, 0);
        display.facts();
        ticker.sleep(Duration.ofMinutes(2));

        ProgressFacts stalled = display.facts();

        assertThat(stalled.answersPerMinute()).isEqualTo(0.0);
        assertThat(stalled.eta()).isNull();
    }

    @Test
    void severalPassesShowNoPassUntilTheInputIsCounted(@TempDir Path dir) throws IOException {
        ProgressDisplay display = new ProgressDisplay(
                FOUR_PASSES,
                InputCount.start(Files.writeString(dir.resolve("none.jsonl"), ""), 1 << 20),
                counts::get,
                ticker);
        await(() -> display.facts().total() != null);

        ProgressFacts emptyInput = display.facts();
        assertThat(emptyInput.total()).isZero();
        assertThat(emptyInput.pass()).isNull();
    }

    @Test
    void theInputIsCountedByRecordsWithBadOnesAndNotByLines(@TempDir Path dir) throws IOException {
        Path csv = Files.writeString(dir.resolve("in.csv"), "id,text\n1,\"two\nlines\"\n2,plain\n");
        Path jsonl = Files.writeString(dir.resolve("in.jsonl"), "{\"a\":1}\nnot json\n\n{\"a\":2}\n");
        try (InputCount csvCount = InputCount.start(csv, 1 << 20);
                InputCount jsonlCount = InputCount.start(jsonl, 1 << 20)) {
            await(() -> csvCount.records() != null && jsonlCount.records() != null);

            assertThat(csvCount.records()).isEqualTo(2);
            assertThat(jsonlCount.records()).isEqualTo(3);
        }
    }

    @Test
    void withoutATerminalALogLineEveryIntervalAndAFailedOneIsReportedOnce() {
        AtomicInteger calls = new AtomicInteger();
        ProgressDisplay display = new ProgressDisplay(
                List.of(FOUR_PASSES.get(0)),
                InputCount.of(40),
                () -> {
                    int call = calls.incrementAndGet();
                    if (call <= 3) {
                        throw new IllegalStateException("counts unavailable");
                    }
                    return new ProgressDisplay.Counts(call, 0, call, call, IN_FLIGHT);
                },
                ticker);
        try (ProgressDisplay shown = ProgressDisplay.start(
                new ProgressSettings(ProgressSettings.Mode.LOG, Duration.ofMillis(100)), display)) {
            await(() -> messages().stream().filter(m -> m.startsWith("INFO")).count() >= 2);
        }

        List<String> messages = messages();
        assertThat(messages.get(0)).isEqualTo("WARN Could not report progress: counts unavailable; the run goes on");
        assertThat(messages.subList(1, messages.size()))
                .allSatisfy(message -> assertThat(message)
                        .matches("INFO Progress: llama3.2:3b seed 1: \\d+ of 40 records done, \\d+ answered, 0 failed,"
                                + " .* answers/min over the last minute, ETA .*, in flight 3"));
    }

    private List<String> messages() {
        synchronized (log) { // the lock under which AppenderBase appends
            return log.list.stream()
                    .map(event -> event.getLevel() + " " + event.getFormattedMessage())
                    .toList();
        }
    }

    private static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("the condition within 10 s").isLessThan(deadline);
            Thread.yield();
        }
    }
}

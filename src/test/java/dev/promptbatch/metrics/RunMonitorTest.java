package dev.promptbatch.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.promptbatch.cli.LogCapture;
import dev.promptbatch.output.OutputFiles;
import dev.promptbatch.output.RunSummary;

/** What the metrics say while a run goes on and when it ends, the time taken from a clock the test moves. */
class RunMonitorTest {
    private static final List<String> MODELS = List.of("llama3.2:3b", "qwen2.5:7b");

    @TempDir
    Path dir;

    private final MovingClock clock = new MovingClock(Instant.parse("2026-12-01T02:00:00Z"));

    @Test
    void whileTheFirstRunGoesOnItsCountsAndDurationAreThereAndNoLastRunYet() throws IOException {
        Path file = dir.resolve("nightly.prom");
        RunMonitor monitor = new RunMonitor("nightly", MODELS, new MetricsFile(file), null, clock);
        clock.move(Duration.ofSeconds(30));

        monitor.duringRun(Map.of("llama3.2:3b", new ModelCounts(7, 1, 420, 3), "qwen2.5:7b", ModelCounts.ZERO));

        PrometheusText metrics = PrometheusText.parse(Files.readString(file));
        // A family without samples is not written at all.
        assertThat(metrics.names())
                .containsExactlyInAnyOrder(
                        "promptbatch_run_duration_seconds",
                        "promptbatch_records_total",
                        "promptbatch_generated_tokens_total",
                        "promptbatch_cached_answers_total");
        assertThat(metrics.samples("promptbatch_records_total"))
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "job=nightly,model=llama3.2:3b,outcome=answered", 7.0,
                        "job=nightly,model=llama3.2:3b,outcome=failed", 1.0,
                        "job=nightly,model=qwen2.5:7b,outcome=answered", 0.0,
                        "job=nightly,model=qwen2.5:7b,outcome=failed", 0.0));
        assertThat(metrics.samples("promptbatch_generated_tokens_total"))
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("job=nightly,model=llama3.2:3b", 420.0, "job=nightly,model=qwen2.5:7b", 0.0));
        assertThat(metrics.samples("promptbatch_run_duration_seconds"))
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("job=nightly,model=llama3.2:3b", 30.0, "job=nightly,model=qwen2.5:7b", 30.0));
        assertThat(metrics.type("promptbatch_cached_answers_total")).isEqualTo("COUNTER");
        assertThat(metrics.samples("promptbatch_cached_answers_total"))
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("job=nightly,model=llama3.2:3b", 3.0, "job=nightly,model=qwen2.5:7b", 0.0));
    }

    @Test
    void theNextRunKeepsTheLastRunsFactsWhileItGoesOnAndTheLastSuccessWhenItFails() throws IOException {
        Path file = dir.resolve("nightly.prom");
        RunMonitor first = new RunMonitor("nightly", MODELS, new MetricsFile(file), null, clock);
        clock.move(Duration.ofMinutes(10));
        first.afterRun(0, this::summaryOf);
        double firstEnd = clock.instant().getEpochSecond();

        clock.move(Duration.ofDays(1));
        RunMonitor second = new RunMonitor("nightly", MODELS, new MetricsFile(file), null, clock);
        clock.move(Duration.ofMinutes(1));
        second.duringRun(ModelCounts.zero(MODELS));
        PrometheusText during = PrometheusText.parse(Files.readString(file));
        assertThat(during.value("promptbatch_last_run_status", "job=nightly,model=qwen2.5:7b"))
                .isZero();
        assertThat(during.value("promptbatch_last_run_timestamp_seconds", "job=nightly,model=qwen2.5:7b"))
                .isEqualTo(firstEnd);
        assertThat(during.value("promptbatch_run_duration_seconds", "job=nightly,model=qwen2.5:7b"))
                .isEqualTo(60);

        clock.move(Duration.ofMinutes(1));
        second.afterRun(143, this::summaryOf);
        PrometheusText after = PrometheusText.parse(Files.readString(file));
        for (String model : MODELS) {
            String labels = "job=nightly,model=" + model;
            assertThat(after.value("promptbatch_last_success_timestamp_seconds", labels))
                    .isEqualTo(firstEnd);
            assertThat(after.value("promptbatch_last_run_timestamp_seconds", labels))
                    .isEqualTo(firstEnd + 86_400 + 120);
            assertThat(after.value("promptbatch_last_run_status", labels)).isEqualTo(143);
            assertThat(after.value("promptbatch_run_duration_seconds", labels)).isEqualTo(120);
        }
    }

    @Test
    void atEveryIntervalTheCountsSoFarAreWrittenOnceThereAreAny() throws IOException, InterruptedException {
        Path file = dir.resolve("nightly.prom");
        RunMonitor monitor = new RunMonitor("nightly", MODELS, new MetricsFile(file), null, clock);
        AtomicInteger asked = new AtomicInteger();
        AtomicBoolean firstChunkWritten = new AtomicBoolean();
        Map<String, ModelCounts> counts =
                Map.of("llama3.2:3b", new ModelCounts(5, 1, 60, 0), "qwen2.5:7b", ModelCounts.ZERO);
        try (RunMonitor.Ticks ticks = monitor.everyInterval(Duration.ofMillis(5), () -> {
            asked.incrementAndGet();
            return firstChunkWritten.get() ? Optional.of(counts) : Optional.empty();
        })) {
            awaitAtLeast(asked, 2);
            assertThat(file).doesNotExist();
            firstChunkWritten.set(true);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!Files.exists(file)) {
                assertThat(System.nanoTime()).as("the file within 10 s").isLessThan(deadline);
                Thread.sleep(1);
            }
        }

        PrometheusText metrics = PrometheusText.parse(Files.readString(file));
        assertThat(metrics.value("promptbatch_records_total", "job=nightly,model=llama3.2:3b,outcome=answered"))
                .isEqualTo(5);
        assertThat(metrics.value("promptbatch_generated_tokens_total", "job=nightly,model=llama3.2:3b"))
                .isEqualTo(60);
    }

    @Test
    void withoutAFileOrAGatewayNothingIsScheduled() {
        AtomicInteger asked = new AtomicInteger();
        try (RunMonitor.Ticks ticks = RunMonitor.NONE.everyInterval(Duration.ofMillis(1), () -> {
            asked.incrementAndGet();
            return Optional.empty();
        })) {
            assertThat(asked).hasValue(0);
        }
    }

    private static void awaitAtLeast(AtomicInteger calls, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (calls.get() < count) {
            assertThat(System.nanoTime())
                    .as("%d calls within 10 s, got %d", count, calls.get())
                    .isLessThan(deadline);
            Thread.sleep(1);
        }
    }

    @Test
    void aProgressTickAfterTheEndDoesNotOverwriteIt() throws IOException {
        Path file = dir.resolve("nightly.prom");
        RunMonitor monitor = new RunMonitor("nightly", MODELS, new MetricsFile(file), null, clock);
        monitor.afterRun(3, this::summaryOf);
        String ended = Files.readString(file);

        monitor.duringRun(Map.of("llama3.2:3b", new ModelCounts(1, 0, 9, 0), "qwen2.5:7b", ModelCounts.ZERO));

        assertThat(Files.readString(file)).isEqualTo(ended);
    }

    @Test
    void anotherJobsSeriesInTheFileAreNotTakenForThisOnesAndTheFileIsTheJobsAlone() throws IOException {
        Path file = dir.resolve("shared.prom");
        new RunMonitor("weekly", MODELS, new MetricsFile(file), null, clock).afterRun(0, this::summaryOf);

        RunMonitor nightly = new RunMonitor("nightly", MODELS, new MetricsFile(file), null, clock);
        nightly.afterRun(1, this::summaryOf);

        PrometheusText metrics = PrometheusText.parse(Files.readString(file));
        assertThat(metrics.names()).doesNotContain("promptbatch_last_success_timestamp_seconds");
        assertThat(metrics.samples("promptbatch_last_run_status"))
                .containsOnlyKeys("job=nightly,model=llama3.2:3b", "job=nightly,model=qwen2.5:7b");
        assertThat(metrics.value("promptbatch_last_run_status", "job=nightly,model=llama3.2:3b"))
                .isEqualTo(1);
    }

    @Test
    void aFileThatCannotBeWrittenIsOneWarningForTheWholeRun() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("textfiles"));
        RunMonitor monitor =
                new RunMonitor("nightly", MODELS, new MetricsFile(folder.resolve("nightly.prom")), null, clock);
        Files.delete(folder);

        try (LogCapture log = new LogCapture()) {
            monitor.duringRun(ModelCounts.zero(MODELS));
            monitor.duringRun(ModelCounts.zero(MODELS));
            monitor.afterRun(0, this::summaryOf);

            assertThat(log.text().lines().toList())
                    .singleElement()
                    .asString()
                    .startsWith("WARN Could not write the metrics file " + folder.resolve("nightly.prom") + ": ")
                    .endsWith("; the run goes on");
        }
    }

    /** The summary of a run with no output yet: no records. */
    private RunSummary summaryOf() {
        return RunSummary.read(OutputFiles.of(dir.resolve("none.jsonl")), List.of(), List.of());
    }

    /** A clock that stands still until the test moves it. */
    private static final class MovingClock extends Clock {
        private Instant now;

        MovingClock(Instant now) {
            this.now = now;
        }

        void move(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}

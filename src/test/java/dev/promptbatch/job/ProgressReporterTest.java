package dev.promptbatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

class ProgressReporterTest {
    private final Logger logger = (Logger) LoggerFactory.getLogger(ProgressReporter.class);
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

    @Test
    void aReportThatFailsIsLoggedOnceAndTheLaterReportsGoOn() throws InterruptedException {
        AtomicInteger calls = new AtomicInteger();
        try (ProgressReporter reporter = new ProgressReporter(
                () -> {
                    int call = calls.incrementAndGet();
                    if (call <= 2) {
                        throw new IllegalStateException("counts unavailable");
                    }
                    return "report " + call;
                },
                Duration.ofMillis(5))) {
            awaitAtLeast(calls, 4);
        }

        List<String> messages = messages();
        assertThat(messages.get(0)).isEqualTo("WARN Could not report progress: counts unavailable; the run goes on");
        assertThat(messages.subList(1, messages.size()))
                .isNotEmpty()
                .allSatisfy(message -> assertThat(message).matches("INFO Progress: report \\d+"));
        assertThat(messages.get(1)).isEqualTo("INFO Progress: report 3");
    }

    @Test
    void theMetricsAreWrittenAfterEveryLineEvenOneThatFailed() throws InterruptedException {
        AtomicInteger lines = new AtomicInteger();
        List<String> order = new CopyOnWriteArrayList<>();
        AtomicInteger metrics = new AtomicInteger();
        try (ProgressReporter reporter = new ProgressReporter(
                () -> {
                    int call = lines.incrementAndGet();
                    order.add("line " + call);
                    if (call == 1) {
                        throw new IllegalStateException("counts unavailable");
                    }
                    return "report " + call;
                },
                Duration.ofMillis(5),
                () -> order.add("metrics " + metrics.incrementAndGet()))) {
            awaitAtLeast(metrics, 3);
        }

        assertThat(order.subList(0, 6))
                .containsExactly("line 1", "metrics 1", "line 2", "metrics 2", "line 3", "metrics 3");
    }

    private List<String> messages() {
        synchronized (log.list) {
            return log.list.stream()
                    .map(event -> event.getLevel() + " " + event.getFormattedMessage())
                    .toList();
        }
    }

    private static void awaitAtLeast(AtomicInteger calls, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (calls.get() < count) {
            assertThat(System.nanoTime())
                    .as("%d reports within 10 s, got %d", count, calls.get())
                    .isLessThan(deadline);
            Thread.sleep(1);
        }
    }
}

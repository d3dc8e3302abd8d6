package dev.promptbatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class RunProgressTest {
    private final AtomicLong nanos = new AtomicLong(5_000);
    private final RunProgress progress = new RunProgress(nanos::get);

    @Test
    void countsTheWholeRunAndTheRateOfThisExecution() {
        progress.resumedFrom(100, 7);
        progress.committed(20, 1);
        progress.committed(25, 0);
        nanos.addAndGet(Duration.ofSeconds(90).toNanos());

        assertThat(progress.line()).isEqualTo("145 answered, 8 failed, 30.0 answers/min");
    }

    @Test
    void aRateWithinTheFirstSecondCountsOneSecond() {
        progress.committed(2, 0);

        assertThat(progress.line()).isEqualTo("2 answered, 0 failed, 120.0 answers/min");
    }
}

package dev.promptbatch.progress;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class RateWindowTest {
    private static final long SECOND = Duration.ofSeconds(1).toNanos();
    private static final long START = 987_654_321L;

    private final RateWindow window = new RateWindow(Duration.ofMinutes(1));

    @Test
    void thereIsNoRateBeforeASecondHasPassed() {
        window.record(START, 0, 0);
        assertThat(window.answersPerMinute()).isNull();
        window.record(START + SECOND / 2, 5, 5);
        assertThat(window.answersPerMinute()).isNull();
        assertThat(window.donePerMinute()).isNull();
    }

    @Test
    void theRateIsThatOfTheLastMinuteOnly() {
        // 600 answers in the first minute, then 60 a minute with 30 failures.
        window.record(START, 0, 0);
        window.record(START + 60 * SECOND, 600, 600);
        assertThat(window.answersPerMinute()).isEqualTo(600.0);

        window.record(START + 90 * SECOND, 630, 645);
        window.record(START + 120 * SECOND, 660, 690);

        assertThat(window.answersPerMinute()).isEqualTo(60.0);
        assertThat(window.donePerMinute()).isEqualTo(90.0);
    }

    @Test
    void aResumedRunCountsOnlyWhatThisExecutionDid() {
        window.record(START, 1000, 1010);
        window.record(START + 30 * SECOND, 1020, 1030);

        assertThat(window.answersPerMinute()).isEqualTo(40.0);
    }
}

package dev.promptbatch.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class DurationsTest {
    @Test
    void specValuesReadBackAsTheyAreWritten() {
        for (String text : new String[] {"500ms", "30s", "10m", "1h", "90s"}) {
            assertThat(Durations.format(Durations.parseOrNull(text))).isEqualTo(text);
        }
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Durations.parseOrNull("30 sec")).isNull();
    }

    @Test
    void readableDurationsUseTheLargestUnitsAPersonNeeds() {
        assertThat(Durations.readable(Duration.ZERO)).isEqualTo("0 ms");
        assertThat(Durations.readable(Duration.ofMillis(850))).isEqualTo("850 ms");
        assertThat(Durations.readable(Duration.ofMillis(12_449))).isEqualTo("12.4 s");
        assertThat(Durations.readable(Duration.ofMillis(59_949))).isEqualTo("59.9 s");
        assertThat(Durations.readable(Duration.ofMillis(59_950))).isEqualTo("1 min 0 s");
        assertThat(Durations.readable(Duration.ofSeconds(185))).isEqualTo("3 min 5 s");
        assertThat(Durations.readable(Duration.ofMillis(3_599_400))).isEqualTo("59 min 59 s");
        assertThat(Durations.readable(Duration.ofSeconds(3_725))).isEqualTo("1 h 2 min");
        assertThat(Durations.readable(Duration.ofMillis(-5))).isEqualTo("0 ms");
    }
}

package dev.promptbatch.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;

import org.junit.jupiter.api.Test;

class MeasureTest {
    @Test
    void smallGroupsGetExactStatistics() {
        RunSummary.Stats stats = RunSummary.Stats.of(List.of(4.0, 1.0, 3.0, 2.0, 10.0));
        assertThat(stats).isEqualTo(new RunSummary.Stats(5, 3.0, 10.0, 10.0, 4.0, Math.sqrt(10.0), 1.0, 10.0));
    }

    @Test
    void aMillionValuesKeepExactMomentsAndSampledPercentilesInConstantMemory() {
        Measure measure = new Measure();
        for (int i = 1; i <= 1_000_000; i++) {
            measure.add(i);
        }
        RunSummary.Stats stats = measure.stats();
        assertThat(stats.count()).isEqualTo(1_000_000);
        assertThat(stats.mean()).isEqualTo(500_000.5);
        assertThat(stats.stddev()).isCloseTo(288_675.13, within(0.01));
        assertThat(stats.min()).isEqualTo(1);
        assertThat(stats.max()).isEqualTo(1_000_000);
        // A uniform sample of 10,000: percentiles within about 1% of the range.
        assertThat(stats.p50()).isCloseTo(500_000, within(10_000.0));
        assertThat(stats.p99()).isCloseTo(990_000, within(10_000.0));
        assertThat(measure.values()).hasSize(Measure.SAMPLE);
    }
}

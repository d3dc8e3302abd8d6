package dev.promptbatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RunProgressTest {
    private final RunProgress progress = new RunProgress();

    @Test
    void countsTheWholeRunWithWhatEarlierExecutionsCommitted() {
        progress.resumedFrom(100, 7);
        progress.committed(20, 1);
        progress.committed(25, 0);

        assertThat(progress.answered()).isEqualTo(145);
        assertThat(progress.failed()).isEqualTo(8);
        assertThat(progress.answeredHere()).isEqualTo(45);
        assertThat(progress.failedHere()).isEqualTo(1);
    }
}

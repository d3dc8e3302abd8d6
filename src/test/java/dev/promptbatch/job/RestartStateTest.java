package dev.promptbatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/** The keys are stored in job databases: runs recorded by earlier versions must resume by the same ones. */
class RestartStateTest {
    @Test
    void theWriterStateIsStoredUnderTheKeysEarlierRunsStored() {
        ExecutionContext context = new ExecutionContext();

        new RestartState.Written(1200, 340, 12, 3).saveIn(context);

        assertThat(entries(context))
                .isEqualTo(Map.of(
                        "output.current.count",
                        1200L,
                        "errors.current.count",
                        340L,
                        "output.written",
                        12L,
                        "errors.written",
                        3L));
        assertThat(RestartState.Written.in(context)).contains(new RestartState.Written(1200, 340, 12, 3));
    }

    @Test
    void theReaderStateIsStoredUnderTheKeysEarlierRunsStored() {
        ExecutionContext context = new ExecutionContext();

        new RestartState.Read(15, 15, 3).saveIn(context);

        assertThat(entries(context)).isEqualTo(Map.of("generation.handed-over", 15L, "generation.failed", 3L));
        assertThat(RestartState.Read.in(context)).isEqualTo(new RestartState.Read(15, 15, 3));
    }

    @Test
    void aStepThatNeverCommittedHasWrittenNothingAndReadNothing() {
        ExecutionContext context = new ExecutionContext();

        assertThat(RestartState.Written.in(context)).isEmpty();
        assertThat(RestartState.Read.in(context)).isEqualTo(new RestartState.Read(0, 0, 0));
    }

    @Test
    void aContextFromBeforeTheLineCountsWereKeptReadsThemAsZero() {
        ExecutionContext context = new ExecutionContext(Map.of("output.current.count", 80L));

        assertThat(RestartState.Written.in(context)).contains(new RestartState.Written(80, 0, 0, 0));
    }

    private static Map<String, Object> entries(ExecutionContext context) {
        Map<String, Object> entries = new TreeMap<>();
        context.entrySet().forEach(entry -> entries.put(entry.getKey(), entry.getValue()));
        return entries;
    }
}

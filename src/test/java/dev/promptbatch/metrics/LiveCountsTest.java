package dev.promptbatch.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.infrastructure.item.Chunk;

import dev.promptbatch.outcome.Answer;
import dev.promptbatch.outcome.Cell;
import dev.promptbatch.outcome.Failure;
import dev.promptbatch.outcome.FailureKind;
import dev.promptbatch.outcome.GenerateResponse;
import dev.promptbatch.outcome.Outcome;
import dev.promptbatch.outcome.UnitOutcomes;
import dev.promptbatch.output.OutputFiles;
import dev.promptbatch.output.RunSummary;

/** The counts of a resumed run while it goes on: what earlier executions committed, and each chunk written since. */
class LiveCountsTest {
    private static final List<String> MODELS = List.of("llama3.2:3b", "qwen2.5:7b");

    @TempDir
    Path dir;

    @Test
    void aResumedRunCountsWhatWasCommittedBeforeItsFirstChunkAndEveryChunkAfterAndNothingBefore() throws IOException {
        Path output = dir.resolve("nightly.jsonl");
        Files.writeString(output, """
                {"id":1,"model":"llama3.2:3b","response":"a","eval_count":5,"cached":true}
                {"id":2,"model":"llama3.2:3b","response":"b","eval_count":6,"cached":false}
                """);
        Files.writeString(dir.resolve("nightly.errors.jsonl"), """
                {"id":3,"model":"qwen2.5:7b","kind":"bad-record","message":"missing field 'text'"}
                """);
        LiveCounts counts = new LiveCounts(
                true,
                MODELS,
                () -> RunSummary.read(
                        OutputFiles.of(output),
                        List.of(new Cell("llama3.2:3b", null, null, null), new Cell("qwen2.5:7b", null, null, null)),
                        List.of()));
        assertThat(counts.snapshot()).isEmpty();

        Chunk<UnitOutcomes> chunk = units(answer("llama3.2:3b", 4, 7L), answer("qwen2.5:7b", 5, null), failure(6));
        counts.beforeWrite(chunk);
        assertThat(counts.snapshot())
                .contains(Map.of(
                        "llama3.2:3b", new ModelCounts(2, 0, 11, 1),
                        "qwen2.5:7b", new ModelCounts(0, 1, 0, 0)));
        counts.afterWrite(chunk);
        Chunk<UnitOutcomes> next = units(answer("llama3.2:3b", 7, 3L), cached(answer("qwen2.5:7b", 8, 2L)));
        counts.beforeWrite(next);
        counts.afterWrite(next);

        assertThat(counts.snapshot())
                .contains(Map.of(
                        "llama3.2:3b", new ModelCounts(4, 0, 21, 1),
                        "qwen2.5:7b", new ModelCounts(2, 2, 2, 1)));
    }

    @Test
    void aRetrysAnswerMovesARecordFromFailedToAnsweredAndAFailureAgainChangesNothing() {
        LiveCounts counts = LiveCounts.ofRetry(
                true,
                () -> Map.of(
                        "llama3.2:3b", new ModelCounts(10, 3, 100, 0), "qwen2.5:7b", new ModelCounts(4, 2, 40, 0)));
        Chunk<UnitOutcomes> chunk = units(answer("llama3.2:3b", 4, 7L), answer("qwen2.5:7b", 5, null), failure(6));

        counts.beforeWrite(chunk);
        counts.afterWrite(chunk);

        assertThat(counts.snapshot())
                .contains(Map.of(
                        "llama3.2:3b", new ModelCounts(11, 2, 107, 0),
                        "qwen2.5:7b", new ModelCounts(5, 1, 40, 0)));
    }

    @Test
    void withoutMetricsNothingIsReadOrCounted() {
        LiveCounts counts = new LiveCounts(false, MODELS, () -> {
            throw new AssertionError("the files are not read when no metrics are written");
        });
        Chunk<UnitOutcomes> chunk = units(answer("llama3.2:3b", 1, 7L));

        counts.beforeWrite(chunk);
        counts.afterWrite(chunk);

        assertThat(counts.snapshot()).isEmpty();
    }

    private static Chunk<UnitOutcomes> units(Outcome... outcomes) {
        return new Chunk<>(Arrays.stream(outcomes).map(UnitOutcomes::of).toList());
    }

    private static Answer answer(String model, long n, Long evalCount) {
        return new Answer(
                n,
                n + 1,
                new Cell(model, null, null, null),
                null,
                new GenerateResponse("answer " + n, null, "stop", 5L, evalCount, 900L, 0L, 300L, 500L),
                12,
                1,
                "http://gpu1:11434",
                Map.of());
    }

    /** The same answer as taken from the answer cache. */
    private static Answer cached(Answer answer) {
        return new Answer(
                answer.id(),
                answer.line(),
                answer.cell(),
                answer.seed(),
                answer.response(),
                answer.latencyMs(),
                answer.attempts(),
                answer.server(),
                answer.input(),
                answer.json(),
                answer.reasks(),
                answer.endpoint(),
                true);
    }

    private static Failure failure(long n) {
        return new Failure(
                n,
                n + 1,
                new Cell("qwen2.5:7b", null, null, null),
                null,
                FailureKind.RETRIES_EXHAUSTED,
                "HTTP 503",
                3,
                "http://gpu1:11434");
    }
}

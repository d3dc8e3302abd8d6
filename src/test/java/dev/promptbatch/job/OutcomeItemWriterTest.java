package dev.promptbatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ExecutionContext;

import dev.promptbatch.outcome.Answer;
import dev.promptbatch.outcome.Cell;
import dev.promptbatch.outcome.Failure;
import dev.promptbatch.outcome.FailureKind;
import dev.promptbatch.outcome.GenerateResponse;
import dev.promptbatch.outcome.Outcome;
import dev.promptbatch.outcome.UnitOutcomes;
import dev.promptbatch.output.AnswerFormat;
import dev.promptbatch.output.OutputFiles;
import dev.promptbatch.output.OutputRecords;

/** The writer on its own, as the step drives it: open, write, update before each commit, close. */
class OutcomeItemWriterTest {
    private static final Cell CELL = new Cell("llama3.2:3b", null, null, null);
    private static final AnswerFormat FORMAT = new AnswerFormat(List.of(), false, false);

    @TempDir
    Path dir;

    private final ExecutionContext context = new ExecutionContext();
    private final RunProgress progress = new RunProgress();

    @Test
    void writesAnswersToTheOutputAndFailuresToTheErrorsFileAndCommitsTheirLengthsAndLines() throws IOException {
        OutputFiles files = OutputFiles.of(dir.resolve("a.jsonl"));
        OutcomeItemWriter writer = new OutcomeItemWriter(files, FORMAT, progress, InstanceCheck.NONE);

        writer.open(context);
        writer.write(units(answer(1), failure(2), answer(3)));
        writer.update(context);
        writer.close();

        assertThat(files.output()).hasContent(FORMAT.jsonLine(answer(1)) + "\n" + FORMAT.jsonLine(answer(3)));
        assertThat(files.errors()).hasContent(FORMAT.errorLine(failure(2)));
        assertThat(RestartState.Written.in(context))
                .contains(new RestartState.Written(Files.size(files.output()), Files.size(files.errors()), 2, 1));
        assertThat(new long[] {progress.answered(), progress.failed()}).containsExactly(2, 1);
    }

    @Test
    void aCsvOutputStartsWithItsHeaderAndEndsRecordsWithCrLf() {
        OutputFiles files = OutputFiles.of(dir.resolve("a.csv"));
        OutcomeItemWriter writer = new OutcomeItemWriter(files, FORMAT, progress, InstanceCheck.NONE);

        writer.open(context);
        writer.write(units(answer(1)));
        writer.update(context);
        writer.close();

        assertThat(files.output()).hasContent(FORMAT.csvHeader() + "\r\n" + FORMAT.csvLine(answer(1)) + "\r\n");
    }

    @Test
    void aResumedCsvStartedWithoutTheServerColumnGoesOnInItsOwnLayout() throws IOException {
        OutputFiles files = OutputFiles.of(dir.resolve("a.csv"));
        String olderHeader = "id,line,model,seed,response,thinking,done_reason,prompt_eval_count,eval_count,"
                + "total_duration,load_duration,prompt_eval_duration,eval_duration,tokens_per_second,"
                + "tokens_per_second_source,latency_ms,attempts\r\n";
        String olderRow = "1,2,llama3.2:3b,,answer 1,,stop,5,7,900,0,300,500,583.33,client,12,1\r\n";
        Files.writeString(files.output(), olderHeader + olderRow + "2,3,llama3.2:3b,,uncommit");
        Files.writeString(files.errors(), "");
        long committedBytes = (olderHeader + olderRow).length();
        new RestartState.Written(committedBytes, 0, 1, 0).saveIn(context);

        OutcomeItemWriter resumed = new OutcomeItemWriter(files, FORMAT, progress, InstanceCheck.NONE);
        resumed.open(context);
        resumed.write(units(answer(2), failure(3)));
        resumed.update(context);
        resumed.close();

        assertThat(files.output())
                .hasContent(olderHeader + olderRow
                        + "2,3,llama3.2:3b,,answer 2,,stop,5,7,900,0,300,500,583.33,client,12,1\r\n");
        assertThat(files.errors())
                .hasContent(
                        "{\"id\":3,\"line\":4,\"model\":\"llama3.2:3b\",\"server\":\"http://gpu1:11434\","
                                + "\"seed\":null,\"kind\":\"rejected\",\"message\":\"HTTP 400: prompt too long\",\"attempts\":1}");
        List<String> ids = new ArrayList<>();
        OutputRecords.forEach(
                files.output(), record -> ids.add(record.path("id").asString()));
        assertThat(ids).containsExactly("1", "2");
    }

    @Test
    void aResumedWriterCutsOffWhatWasWrittenAfterTheLastCommitAndWritesNothingTwice() throws IOException {
        OutputFiles files = OutputFiles.of(dir.resolve("a.jsonl"));
        OutcomeItemWriter first = new OutcomeItemWriter(files, FORMAT, progress, InstanceCheck.NONE);
        first.open(context);
        first.write(units(answer(1), failure(2)));
        first.update(context);
        // A chunk written but never committed: the run was killed before its commit.
        first.write(units(answer(3), failure(4)));
        ExecutionContext committed = new ExecutionContext(context);

        RunProgress resumedProgress = new RunProgress();
        OutcomeItemWriter resumed = new OutcomeItemWriter(files, FORMAT, resumedProgress, InstanceCheck.NONE);
        resumed.open(committed);
        resumed.write(units(answer(3), failure(4)));
        resumed.update(committed);
        resumed.close();

        assertThat(files.output()).hasContent(FORMAT.jsonLine(answer(1)) + "\n" + FORMAT.jsonLine(answer(3)));
        assertThat(files.errors()).hasContent(FORMAT.errorLine(failure(2)) + "\n" + FORMAT.errorLine(failure(4)));
        assertThat(RestartState.Written.in(committed))
                .contains(new RestartState.Written(Files.size(files.output()), Files.size(files.errors()), 2, 2));
        assertThat(new long[] {resumedProgress.answered(), resumedProgress.failed()})
                .containsExactly(2, 2);
    }

    @Test
    void aStepThatNeverCommittedStartsItsFilesAfresh() throws IOException {
        OutputFiles files = OutputFiles.of(dir.resolve("a.jsonl"));
        Files.writeString(files.output(), "left by another run\n");
        Files.writeString(files.errors(), "left by another run\n");
        OutcomeItemWriter writer = new OutcomeItemWriter(files, FORMAT, progress, InstanceCheck.NONE);

        writer.open(context);
        writer.write(units(answer(1)));
        writer.update(context);
        writer.close();

        assertThat(files.output()).hasContent(FORMAT.jsonLine(answer(1)));
        assertThat(files.errors()).isEmptyFile();
    }

    @Test
    void whatIsWrittenCountsInTheProgressOnlyOnceItCommits() {
        OutcomeItemWriter writer =
                new OutcomeItemWriter(OutputFiles.of(dir.resolve("a.jsonl")), FORMAT, progress, InstanceCheck.NONE);
        writer.open(context);

        writer.write(units(answer(1), failure(2)));
        assertThat(new long[] {progress.answered(), progress.failed()}).containsExactly(0, 0);
        writer.update(context);
        writer.close();

        assertThat(new long[] {progress.answered(), progress.failed()}).containsExactly(1, 1);
    }

    /** A chunk of units of one outcome each, as a generate job's step writes them. */
    private static Chunk<UnitOutcomes> units(Outcome... outcomes) {
        return new Chunk<>(Arrays.stream(outcomes).map(UnitOutcomes::of).toList());
    }

    private static Answer answer(long n) {
        return new Answer(
                n,
                n + 1,
                CELL,
                null,
                new GenerateResponse("answer " + n, null, "stop", 5L, 7L, 900L, 0L, 300L, 500L),
                12,
                1,
                "http://gpu1:11434",
                Map.of());
    }

    private static Failure failure(long n) {
        return new Failure(
                n, n + 1, CELL, null, FailureKind.REJECTED, "HTTP 400: prompt too long", 1, "http://gpu1:11434");
    }
}

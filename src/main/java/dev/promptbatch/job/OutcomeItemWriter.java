package dev.promptbatch.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamWriter;

import dev.promptbatch.outcome.Answer;
import dev.promptbatch.outcome.Embedded;
import dev.promptbatch.outcome.Failure;
import dev.promptbatch.outcome.Outcome;
import dev.promptbatch.outcome.UnitOutcomes;
import dev.promptbatch.output.AnswerFormat;
import dev.promptbatch.output.ChunkedFile;
import dev.promptbatch.output.OutputFileException;
import dev.promptbatch.output.OutputFiles;
import dev.promptbatch.output.OutputRecords;

/**
 * Writes answers and embeddings to the output file and failures to the errors file beside it. A chunk's lines are written to both
 * files inside the chunk's transaction, before it commits with the files' lengths; a failed write (a full disk, a
 * file deleted under the run) fails the chunk, which rolls back, and a resumed run cuts the files back to the last
 * committed length, so a line is never written twice.
 *
 * <p>Each chunk first confirms that this process still holds its job instance, so that a run whose lock is gone
 * writes nothing more: the chunk fails before a line of it is written.
 *
 * <p>The files are written here rather than when the transaction commits: a failure while committing would leave the
 * step execution's saved version and state ahead of the database, and the execution in no state to resume.
 */
public class OutcomeItemWriter implements ItemStreamWriter<UnitOutcomes> {
    private static final Logger log = LoggerFactory.getLogger(OutcomeItemWriter.class);

    private final OutputFiles files;
    private final AnswerFormat format;
    private final RunProgress progress;
    private final InstanceCheck instance;
    private final LongSupplier outputStart;
    private ChunkedFile answers;
    private ChunkedFile failures;
    /** The CSV output's columns: its own header's when resumed, so that every row of one file has one layout. */
    private List<String> csvColumns;

    private long answersWritten;
    private long failuresWritten;
    private long pendingAnswers;
    private long pendingFailures;

    public OutcomeItemWriter(OutputFiles files, AnswerFormat format, RunProgress progress, InstanceCheck instance) {
        this(files, format, progress, instance, () -> 0L);
    }

    /**
     * @param outputStart where a step that never committed starts the output: 0 to start it afresh, or its length
     *     when a retry appends to a completed run's output
     */
    OutcomeItemWriter(
            OutputFiles files,
            AnswerFormat format,
            RunProgress progress,
            InstanceCheck instance,
            LongSupplier outputStart) {
        this.files = files;
        this.format = format;
        this.progress = progress;
        this.instance = instance;
        this.outputStart = outputStart;
    }

    @Override
    public void open(ExecutionContext context) {
        // RFC 4180 ends CSV records with CRLF; JSON Lines end with LF.
        String header = files.csv() ? format.csvHeader() + "\r\n" : "";
        Optional<RestartState.Written> committed = RestartState.Written.in(context);
        if (committed.isPresent()) {
            answers = ChunkedFile.resume(files.output(), committed.get().outputBytes(), header);
            failures = ChunkedFile.resume(files.errors(), committed.get().errorsBytes(), "");
            answersWritten = committed.get().answers();
            failuresWritten = committed.get().failures();
            csvColumns = files.csv() ? resumedColumns() : format.csvColumns();
        } else {
            long start = outputStart.getAsLong();
            answers = ChunkedFile.resume(files.output(), start, header);
            failures = ChunkedFile.create(files.errors(), "");
            answersWritten = 0;
            failuresWritten = 0;
            csvColumns = files.csv() && start > 0 ? resumedColumns() : format.csvColumns();
        }
        progress.resumedFrom(answersWritten, failuresWritten);
    }

    /** The header of the CSV output being resumed; an older version may have written other columns than today's. */
    private List<String> resumedColumns() {
        List<String> columns;
        try {
            columns = OutputRecords.csvColumns(files.output());
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot read the header of " + files.output() + ": " + OutputFileException.reason(e), e);
        }
        if (columns.isEmpty()) {
            return format.csvColumns();
        }
        List<String> missing = format.csvColumns().stream()
                .filter(column -> !columns.contains(column))
                .toList();
        if (!missing.isEmpty()) {
            log.info(
                    "{} was started by an earlier version without the column(s) {}: its rows go on in its own layout",
                    files.output(),
                    String.join(", ", missing));
        }
        return columns;
    }

    @Override
    public void write(Chunk<? extends UnitOutcomes> chunk) {
        instance.confirmHeld();
        StringBuilder answered = new StringBuilder();
        StringBuilder failed = new StringBuilder();
        long answerCount = 0;
        long failureCount = 0;
        for (UnitOutcomes unit : chunk) {
            for (Outcome outcome : unit.outcomes()) {
                if (outcome instanceof Answer answer) {
                    answered.append(
                            files.csv() ? format.csvLine(answer, csvColumns) + "\r\n" : format.jsonLine(answer) + "\n");
                    answerCount++;
                } else if (outcome instanceof Embedded embedded) {
                    answered.append(format.jsonLine(embedded)).append('\n');
                    answerCount++;
                } else if (outcome instanceof Failure failure) {
                    failed.append(format.errorLine(failure)).append('\n');
                    failureCount++;
                }
            }
        }
        // Both files are written, even with nothing to add, so that each is checked at every commit.
        answers.write(answered.toString());
        failures.write(failed.toString());
        answersWritten += answerCount;
        failuresWritten += failureCount;
        pendingAnswers += answerCount;
        pendingFailures += failureCount;
    }

    /** Called just before the chunk commits: what was written since is about to count. */
    @Override
    public void update(ExecutionContext context) {
        new RestartState.Written(answers.length(), failures.length(), answersWritten, failuresWritten).saveIn(context);
        answers.committed();
        failures.committed();
        progress.committed(pendingAnswers, pendingFailures);
        pendingAnswers = 0;
        pendingFailures = 0;
    }

    @Override
    public void close() {
        try (ChunkedFile output = answers;
                ChunkedFile errors = failures) {
            answers = null;
            failures = null;
        }
    }
}

package dev.promptbatch.job;

import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamWriter;

import dev.promptbatch.output.Answer;
import dev.promptbatch.output.AnswerFormat;
import dev.promptbatch.output.ChunkedFile;
import dev.promptbatch.output.Failure;
import dev.promptbatch.output.Outcome;
import dev.promptbatch.output.OutputFiles;

/**
 * Writes answers to the output file and failures to the errors file beside it. A chunk's lines are written to both
 * files inside the chunk's transaction, before it commits with the files' lengths; a failed write (a full disk, a
 * file deleted under the run) fails the chunk, which rolls back, and a resumed run cuts the files back to the last
 * committed length, so a line is never written twice.
 *
 * <p>The files are written here rather than when the transaction commits: a failure while committing would leave the
 * step execution's saved version and state ahead of the database, and the execution in no state to resume.
 */
public class OutcomeItemWriter implements ItemStreamWriter<Outcome> {
    /** Lines in the output and errors files as of the last commit. */
    public static final String ANSWERS_WRITTEN = "output.written";
    public static final String FAILURES_WRITTEN = "errors.written";
    /** Bytes in the output and errors files as of the last commit; the keys Spring Batch's file writers used. */
    static final String OUTPUT_LENGTH = "output.current.count";
    static final String ERRORS_LENGTH = "errors.current.count";

    private final OutputFiles files;
    private final AnswerFormat format;
    private final RunProgress progress;
    private ChunkedFile answers;
    private ChunkedFile failures;
    private long answersWritten;
    private long failuresWritten;
    private long pendingAnswers;
    private long pendingFailures;

    public OutcomeItemWriter(OutputFiles files, AnswerFormat format, RunProgress progress) {
        this.files = files;
        this.format = format;
        this.progress = progress;
    }

    @Override
    public void open(ExecutionContext context) {
        // RFC 4180 ends CSV records with CRLF; JSON Lines end with LF.
        String header = files.csv() ? format.csvHeader() + "\r\n" : "";
        if (context.containsKey(OUTPUT_LENGTH)) {
            answers = ChunkedFile.resume(files.output(), context.getLong(OUTPUT_LENGTH), header);
            failures = ChunkedFile.resume(files.errors(), context.getLong(ERRORS_LENGTH, 0L), "");
        } else {
            answers = ChunkedFile.create(files.output(), header);
            failures = ChunkedFile.create(files.errors(), "");
        }
        answersWritten = context.getLong(ANSWERS_WRITTEN, 0L);
        failuresWritten = context.getLong(FAILURES_WRITTEN, 0L);
        progress.resumedFrom(answersWritten, failuresWritten);
    }

    @Override
    public void write(Chunk<? extends Outcome> chunk) {
        StringBuilder answered = new StringBuilder();
        StringBuilder failed = new StringBuilder();
        long answerCount = 0;
        long failureCount = 0;
        for (Outcome outcome : chunk) {
            if (outcome instanceof Answer answer) {
                answered.append(files.csv() ? format.csvLine(answer) + "\r\n" : format.jsonLine(answer) + "\n");
                answerCount++;
            } else if (outcome instanceof Failure failure) {
                failed.append(format.errorLine(failure)).append('\n');
                failureCount++;
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
        context.putLong(OUTPUT_LENGTH, answers.length());
        context.putLong(ERRORS_LENGTH, failures.length());
        context.putLong(ANSWERS_WRITTEN, answersWritten);
        context.putLong(FAILURES_WRITTEN, failuresWritten);
        answers.committed();
        failures.committed();
        progress.committed(pendingAnswers, pendingFailures);
        pendingAnswers = 0;
        pendingFailures = 0;
    }

    @Override
    public void close() {
        try (ChunkedFile output = answers; ChunkedFile errors = failures) {
            answers = null;
            failures = null;
        }
    }
}

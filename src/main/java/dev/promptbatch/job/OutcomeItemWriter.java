package dev.promptbatch.job;

import java.util.ArrayList;
import java.util.List;

import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamWriter;
import org.springframework.batch.infrastructure.item.file.FlatFileItemWriter;
import org.springframework.batch.infrastructure.item.file.builder.FlatFileItemWriterBuilder;
import org.springframework.core.io.FileSystemResource;

import dev.promptbatch.output.Answer;
import dev.promptbatch.output.AnswerFormat;
import dev.promptbatch.output.Failure;
import dev.promptbatch.output.Outcome;
import dev.promptbatch.output.OutputFiles;

/**
 * Writes answers to the output file and failures to the errors file beside it. Both are transactional flat-file
 * writers: their bytes reach the files just before the chunk's database commit, and a resumed run truncates them to
 * the last committed position, so a line is never written twice.
 */
public class OutcomeItemWriter implements ItemStreamWriter<Outcome> {
    /** Lines in the output and errors files as of the last commit, kept by the flat-file writers themselves. */
    public static final String ANSWERS_WRITTEN = "output.written";
    public static final String FAILURES_WRITTEN = "errors.written";

    private final FlatFileItemWriter<Answer> answers;
    private final FlatFileItemWriter<Failure> failures;
    private final RunProgress progress;
    private long pendingAnswers;
    private long pendingFailures;

    public OutcomeItemWriter(OutputFiles files, AnswerFormat format, RunProgress progress) {
        this.progress = progress;
        FlatFileItemWriterBuilder<Answer> output = new FlatFileItemWriterBuilder<Answer>()
                .name("output")
                .resource(new FileSystemResource(files.output()))
                .encoding("UTF-8")
                // RFC 4180 ends CSV records with CRLF; JSON Lines end with LF.
                .lineSeparator(files.csv() ? "\r\n" : "\n")
                .transactional(true);
        if (files.csv()) {
            output.lineAggregator(format::csvLine).headerCallback(w -> w.write(format.csvHeader()));
        } else {
            output.lineAggregator(format::jsonLine);
        }
        this.answers = output.build();
        this.failures = new FlatFileItemWriterBuilder<Failure>()
                .name("errors")
                .resource(new FileSystemResource(files.errors()))
                .encoding("UTF-8")
                .lineSeparator("\n")
                .transactional(true)
                .lineAggregator(format::errorLine)
                .build();
    }

    @Override
    public void write(Chunk<? extends Outcome> chunk) throws Exception {
        List<Answer> answered = new ArrayList<>();
        List<Failure> failed = new ArrayList<>();
        for (Outcome outcome : chunk) {
            if (outcome instanceof Answer answer) {
                answered.add(answer);
            } else if (outcome instanceof Failure failure) {
                failed.add(failure);
            }
        }
        answers.write(new Chunk<>(answered));
        failures.write(new Chunk<>(failed));
        pendingAnswers += answered.size();
        pendingFailures += failed.size();
    }

    @Override
    public void open(ExecutionContext context) {
        answers.open(context);
        failures.open(context);
        progress.resumedFrom(context.getLong(ANSWERS_WRITTEN, 0L), context.getLong(FAILURES_WRITTEN, 0L));
    }

    /** Called just before the chunk commits: what was written since is about to count. */
    @Override
    public void update(ExecutionContext context) {
        answers.update(context);
        failures.update(context);
        progress.committed(pendingAnswers, pendingFailures);
        pendingAnswers = 0;
        pendingFailures = 0;
    }

    @Override
    public void close() {
        answers.close();
        failures.close();
    }
}

package dev.promptbatch.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.transaction.PlatformTransactionManager;

import dev.promptbatch.generation.Generator;
import dev.promptbatch.generation.WorkPlan;
import dev.promptbatch.metrics.LiveCounts;
import dev.promptbatch.metrics.ModelCounts;
import dev.promptbatch.outcome.Cell;
import dev.promptbatch.outcome.UnitOutcomes;
import dev.promptbatch.output.OutputFiles;
import dev.promptbatch.output.OutputRecords;
import dev.promptbatch.output.RunSummary;
import dev.promptbatch.servers.ServerPool;
import dev.promptbatch.servers.Ticker;
import dev.promptbatch.spec.JobSpec;

/**
 * The job of {@code --retry-failed}, an instance of its own beside the completed run's: a step "retry" that sends
 * the failed records again in the run's order, appending answers to the output and failures to the retry's own
 * file, with the same restart state and commits as the run's step; then a step "replace-errors" that replaces the
 * errors file in one rename. What it sends is set by {@link #prepare} before it starts or resumes.
 */
final class RetryJob {
    static final String STEP = "retry";

    private final Job job;
    private final RetryFiles files;
    private final List<Cell> passes;
    private final LiveCounts counts;
    private volatile Set<FailedRecords.Key> keys = Set.of();
    private volatile long outputStart;
    private volatile boolean includeRejected;

    RetryJob(
            JobRepository repository,
            PlatformTransactionManager transactionManager,
            RunSettings settings,
            ServerPool pool,
            RunProgress progress,
            InstanceCheck instance) {
        JobSpec spec = settings.spec();
        this.files = new RetryFiles(
                OutputFiles.of(spec.output().file()), spec.sweep().seeds());
        this.passes = WorkPlan.passes(spec);
        this.counts = LiveCounts.ofRetry(
                settings.monitor().on(),
                () -> committedBefore(WorkPlan.cells(spec), settings.monitor().models()));
        int concurrency = pool.capacity();
        Step retry = new StepBuilder(STEP, repository)
                .<UnitOutcomes, UnitOutcomes>chunk(PromptBatchJobConfiguration.commitInterval(concurrency))
                .transactionManager(transactionManager)
                .reader(new GenerationItemReader(
                        () -> new WorkPlan(spec, item -> keys.contains(FailedRecords.key(item))),
                        // No answer cache: a record whose answers failed the schema would get the same answers back.
                        new Generator(spec, pool, Ticker.SYSTEM)::work,
                        concurrency,
                        PromptBatchJobConfiguration.window(
                                concurrency, pool.servers().size()),
                        spec.limits().maxFailures(),
                        settings.stop()))
                .writer(new OutcomeItemWriter(
                        files.stepFiles(),
                        PromptBatchJobConfiguration.answerFormat(spec, Clock.systemUTC()),
                        progress,
                        instance,
                        () -> outputStart))
                .listener(counts)
                .build();
        Step replaceErrors = new StepBuilder("replace-errors", repository)
                .tasklet(
                        (contribution, chunk) -> {
                            StepExecution retried = repository.getLastStepExecution(
                                    chunk.getStepContext()
                                            .getStepExecution()
                                            .getJobExecution()
                                            .getJobInstance(),
                                    STEP);
                            long answered = retried == null
                                    ? 0
                                    : RestartState.Written.in(retried.getExecutionContext())
                                            .map(RestartState.Written::answers)
                                            .orElse(0L);
                            files.replaceErrors(includeRejected, answered);
                            return RepeatStatus.FINISHED;
                        },
                        transactionManager)
                .build();
        this.job = new JobBuilder(spec.name(), repository)
                .start(retry)
                .next(replaceErrors)
                .build();
    }

    Job job() {
        return job;
    }

    RetryFiles files() {
        return files;
    }

    /** Each model's counts while the retry goes on, for the metrics written at every progress interval. */
    LiveCounts counts() {
        return counts;
    }

    /**
     * The passes the retry sends records of, in run order, each with how many: what its progress is counted
     * against. Known once {@link #prepare} has read the records.
     */
    List<Map.Entry<Cell, Long>> passSizes() {
        Set<FailedRecords.Key> sent = keys;
        return passes.stream()
                .map(pass -> Map.entry(
                        pass, sent.stream().filter(key -> key.in(pass)).count()))
                .filter(entry -> entry.getValue() > 0)
                .toList();
    }

    /**
     * Each model's counts as the files stand when an execution of the retry starts: the output's answers and the
     * failures as found, less the retry's answers already in the output (which are among those failures).
     */
    private Map<String, ModelCounts> committedBefore(List<Cell> cells, List<String> models) {
        OutputFiles found = new OutputFiles(
                files.stepFiles().output(), files.before(), files.stepFiles().summary());
        Map<String, ModelCounts> counts = ModelCounts.of(RunSummary.read(found, cells, List.of()), models);
        Set<FailedRecords.Key> sent = keys;
        try {
            OutputRecords.forEach(found.output(), answer -> {
                if (sent.contains(files.keyOf(answer))) {
                    counts.merge(answer.path("model").asString(), new ModelCounts(0, -1, 0, 0), ModelCounts::plus);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return counts;
    }

    /**
     * What the retry sends, read again from the errors file as it found it, and where its answers start in the
     * output: the same on every run of one retry.
     */
    void prepare(long outputStart, boolean includeRejected) {
        this.includeRejected = includeRejected;
        this.outputStart = outputStart;
        this.keys = files.found().retryable(includeRejected);
    }
}

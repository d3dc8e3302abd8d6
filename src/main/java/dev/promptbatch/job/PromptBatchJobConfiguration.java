package dev.promptbatch.job;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

import dev.promptbatch.cache.AnswerCache;
import dev.promptbatch.generation.Generator;
import dev.promptbatch.generation.WorkPlan;
import dev.promptbatch.metrics.LiveCounts;
import dev.promptbatch.openaibatch.BatchOutput;
import dev.promptbatch.outcome.UnitOutcomes;
import dev.promptbatch.output.AnswerFormat;
import dev.promptbatch.output.OutputFiles;
import dev.promptbatch.output.OutputFormat;
import dev.promptbatch.output.RunSummary;
import dev.promptbatch.servers.ServerPool;
import dev.promptbatch.servers.Ticker;
import dev.promptbatch.spec.JobSpec;
import dev.promptbatch.structured.AnswerCheck;

/**
 * The job a spec describes: one chunk-oriented step, "generate", reading outcomes from the generation pipeline and
 * writing them to the output and errors files. The step runs on the JDBC transaction manager so that the files'
 * bytes and the restart state commit together.
 */
@Configuration(proxyBeanMethods = false)
public class PromptBatchJobConfiguration {
    static final String STEP = "generate";

    /**
     * Results the pipeline may run ahead of the oldest unfinished one, per request in flight and per server: with
     * servers of different speeds the oldest may sit on the slowest, and the window must cover its long answer at
     * the whole run's pace (bench j: 0.88 of the servers' capacity used with 16 per request, 0.96 with 16 per
     * request and server, three servers).
     */
    private static final int WINDOW_PER_REQUEST = 16;

    /** How often a paused server is asked whether it is back. */
    private static final Duration PROBE_INTERVAL = Duration.ofSeconds(2);

    /** How long a server must not have been busy before the run tries more requests in flight than was too many. */
    private static final Duration BUSY_PROBE_AFTER = Duration.ofSeconds(30);

    @Bean
    ServerPool serverPool(RunSettings settings) {
        return ServerPool.of(
                settings.servers(),
                settings.spec().limits().timeout(),
                settings.spec().limits().maxOutage(),
                PROBE_INTERVAL,
                BUSY_PROBE_AFTER,
                Ticker.SYSTEM);
    }

    @Bean
    RunProgress runProgress() {
        return new RunProgress();
    }

    /** Each model's counts for the metrics written during the run; counting only when there are metrics. */
    @Bean
    LiveCounts liveCounts(RunSettings settings) {
        return new LiveCounts(
                settings.monitor().on(),
                settings.monitor().models(),
                () -> RunSummary.read(
                        OutputFiles.of(settings.spec().output().file()), WorkPlan.passes(settings.spec()), List.of()));
    }

    @Bean
    RunLauncher runLauncher(
            RunSettings settings,
            JobRepository repository,
            JobOperator operator,
            Job job,
            ServerPool pool,
            RunProgress progress,
            LiveCounts counts,
            AnswerCache cache,
            PlatformTransactionManager transactionManager,
            InstanceCheck instance) {
        // The retry's job is no bean: a registry of jobs by name would meet two jobs of one name.
        RetryJob retry = settings.retry().on()
                ? new RetryJob(repository, transactionManager, settings, pool, progress, instance)
                : null;
        return new RunLauncher(settings, repository, operator, job, retry, pool, progress, counts, cache);
    }

    /** The answer cache of {@code cache} or {@code --cache}; one that caches nothing without. */
    @Bean
    AnswerCache answerCache(RunSettings settings) {
        return new AnswerCache(settings.spec().output().cache());
    }

    @Bean
    Job promptBatchJob(
            JobRepository jobRepository,
            PlatformTransactionManager transactionManager,
            RunSettings settings,
            ServerPool pool,
            RunProgress progress,
            InstanceCheck instance,
            LiveCounts counts,
            AnswerCache cache) {
        JobSpec spec = settings.spec();
        int concurrency = pool.capacity();
        Step generate = new StepBuilder(STEP, jobRepository)
                .<UnitOutcomes, UnitOutcomes>chunk(commitInterval(concurrency))
                .transactionManager(transactionManager)
                .reader(new GenerationItemReader(
                        () -> new WorkPlan(spec),
                        new Generator(spec, pool, Ticker.SYSTEM, cache)::work,
                        concurrency,
                        window(concurrency, pool.servers().size()),
                        spec.limits().maxFailures(),
                        settings.stop()))
                .writer(new OutcomeItemWriter(
                        OutputFiles.of(spec.output().file()),
                        answerFormat(spec, Clock.systemUTC()),
                        progress,
                        instance))
                .listener(counts)
                .build();
        return new JobBuilder(spec.name(), jobRepository).start(generate).build();
    }

    /**
     * How the output and errors lines of a spec's job are written: with {@code cached} in each when the run has an
     * answer cache.
     */
    static AnswerFormat answerFormat(JobSpec spec, Clock clock) {
        AnswerFormat format = new AnswerFormat(
                spec.output().include(),
                !spec.sweep().variants().isEmpty(),
                spec.sweep().repeat() != null,
                spec.generation().format() != null,
                AnswerCheck.properties(spec.generation().format()),
                spec.output().format() == OutputFormat.OPENAI_BATCH
                        ? new BatchOutput(spec.generation().endpoint(), clock)
                        : null);
        return spec.output().cache() == null ? format : format.withCached();
    }

    /** Units the pipeline may hold submitted and not yet handed over. */
    static int window(int concurrency, int servers) {
        return Math.max(32, WINDOW_PER_REQUEST * concurrency * servers);
    }

    /**
     * Units of work per commit (records, or an embed job's batches): enough to keep commits cheap, few enough that a
     * crash re-sends little.
     */
    static int commitInterval(int concurrency) {
        return Math.max(8, concurrency);
    }
}

package dev.promptbatch.job;

import java.time.Duration;

import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

import dev.promptbatch.generation.Generator;
import dev.promptbatch.generation.WorkPlan;
import dev.promptbatch.ollama.OllamaClient;
import dev.promptbatch.outcome.Outcome;
import dev.promptbatch.output.AnswerFormat;
import dev.promptbatch.output.OutputFiles;
import dev.promptbatch.servers.AdaptiveConcurrency;
import dev.promptbatch.servers.ServerGate;
import dev.promptbatch.servers.Ticker;
import dev.promptbatch.spec.JobSpec;

/**
 * The job a spec describes: one chunk-oriented step, "generate", reading outcomes from the generation pipeline and
 * writing them to the output and errors files. The step runs on the JDBC transaction manager so that the files'
 * bytes and the restart state commit together.
 */
@Configuration(proxyBeanMethods = false)
public class PromptBatchJobConfiguration {
    static final String STEP = "generate";

    /** Results the pipeline may run ahead of the oldest unfinished one, per request in flight. */
    private static final int WINDOW_PER_REQUEST = 16;

    @Bean
    OllamaClient ollamaClient(RunSettings settings) {
        return new OllamaClient(
                settings.servers().get(0).address(),
                settings.spec().limits().timeout(),
                settings.spec().limits().concurrency());
    }

    /** How often a paused run asks whether the server is back. */
    private static final Duration PROBE_INTERVAL = Duration.ofSeconds(2);

    @Bean
    ServerGate serverGate(OllamaClient client, RunSettings settings) {
        return new ServerGate(
                client,
                settings.servers().get(0).display(),
                settings.spec().limits().concurrency(),
                settings.spec().limits().maxOutage(),
                PROBE_INTERVAL,
                Ticker.SYSTEM);
    }

    /** How long the server must not have been busy before the run tries more requests in flight than was too many. */
    private static final Duration BUSY_PROBE_AFTER = Duration.ofSeconds(30);

    @Bean
    AdaptiveConcurrency adaptiveConcurrency(RunSettings settings) {
        return new AdaptiveConcurrency(
                settings.servers().get(0).display(),
                settings.spec().limits().concurrency(),
                BUSY_PROBE_AFTER,
                System::nanoTime);
    }

    @Bean
    RunProgress runProgress() {
        return new RunProgress(System::nanoTime);
    }

    @Bean
    RunLauncher runLauncher(
            RunSettings settings,
            JobRepository repository,
            JobOperator operator,
            Job job,
            OllamaClient client,
            RunProgress progress,
            AdaptiveConcurrency adaptiveConcurrency) {
        return new RunLauncher(settings, repository, operator, job, client, progress, adaptiveConcurrency);
    }

    @Bean
    Job promptBatchJob(
            JobRepository jobRepository,
            PlatformTransactionManager transactionManager,
            RunSettings settings,
            OllamaClient client,
            ServerGate gate,
            AdaptiveConcurrency adaptiveConcurrency,
            RunProgress progress) {
        JobSpec spec = settings.spec();
        int concurrency = spec.limits().concurrency();
        Step generate = new StepBuilder(STEP, jobRepository)
                .<Outcome, Outcome>chunk(commitInterval(concurrency))
                .transactionManager(transactionManager)
                .reader(new GenerationItemReader(
                        () -> new WorkPlan(spec),
                        new Generator(
                                spec,
                                client,
                                settings.servers().get(0).display(),
                                gate,
                                adaptiveConcurrency,
                                Ticker.SYSTEM)::generate,
                        concurrency,
                        Math.max(32, WINDOW_PER_REQUEST * concurrency),
                        spec.limits().maxFailures(),
                        settings.stop()))
                .writer(new OutcomeItemWriter(
                        OutputFiles.of(spec.output().file()),
                        new AnswerFormat(
                                spec.output().include(),
                                !spec.sweep().variants().isEmpty(),
                                spec.sweep().repeat() != null),
                        progress))
                .build();
        return new JobBuilder(spec.name(), jobRepository).start(generate).build();
    }

    /** Answers per commit: enough to keep commits cheap, few enough that a crash re-sends little. */
    static int commitInterval(int concurrency) {
        return Math.max(8, concurrency);
    }
}

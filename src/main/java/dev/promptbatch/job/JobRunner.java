package dev.promptbatch.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameter;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.context.ConfigurableApplicationContext;

import dev.promptbatch.generation.GenerationFailedException;
import dev.promptbatch.ollama.ModelInfo;
import dev.promptbatch.ollama.OllamaClient;
import dev.promptbatch.ollama.OllamaException;
import dev.promptbatch.output.OutputFiles;
import dev.promptbatch.output.RunSummary;

/**
 * Runs a job instance: the job name plus the {@code --param} values. A first run starts it; a run after a failure
 * resumes after its last committed chunk; a run after completion only says so. {@code --new-run} starts another
 * instance with the same parameters.
 */
public final class JobRunner {
    /** The job parameter that tells apart instances started with {@code --new-run}. */
    static final String INSTANCE = "promptbatch.instance";

    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);

    private JobRunner() {
    }

    public static RunReport run(RunSettings settings) {
        createParent(settings.spec().output());
        createParent(settings.database());
        try (ConfigurableApplicationContext context = BatchContext.start(settings)) {
            JobRepository repository = context.getBean(JobRepository.class);
            Job job = context.getBean(Job.class);
            JobOperator operator = context.getBean(JobOperator.class);
            recoverDeadExecutions(repository, operator, job.getName());
            JobParameters parameters = parameters(repository, job.getName(), settings);
            JobExecution last = repository.getLastJobExecution(job.getName(), parameters);
            if (last != null && last.getStatus() == BatchStatus.COMPLETED) {
                return report(settings, repository, last, RunReport.Result.ALREADY_COMPLETE, null);
            }
            preflight(context.getBean(OllamaClient.class), settings);
            JobExecution execution = operator.start(job, parameters);
            if (execution.getStatus() == BatchStatus.COMPLETED) {
                deleteIfEmpty(OutputFiles.of(settings.spec().output()).errors());
                return report(settings, repository, execution, RunReport.Result.COMPLETED, null);
            }
            return report(settings, repository, execution, RunReport.Result.FAILED, failureMessage(execution));
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * This process holds the database's file lock, so no other process can be running an execution it finds
     * STARTED: such an execution belongs to a process that died. Marking it failed makes it resumable.
     */
    private static void recoverDeadExecutions(JobRepository repository, JobOperator operator, String jobName) {
        for (JobExecution execution : repository.findRunningJobExecutions(jobName)) {
            log.warn("Execution {} of {} was left {} by a process that no longer runs; marking it failed so that "
                    + "it resumes", execution.getId(), jobName, execution.getStatus());
            operator.recover(execution);
        }
    }

    /** The parameters of the instance to run: the newest with the same {@code --param} values, or a new one. */
    private static JobParameters parameters(JobRepository repository, String jobName, RunSettings settings) {
        Map<String, String> wanted = new TreeMap<>(settings.parameters());
        long newest = 0;
        for (JobInstance instance : repository.getJobInstances(jobName, 0, Integer.MAX_VALUE)) {
            List<JobExecution> executions = repository.getJobExecutions(instance);
            if (executions.isEmpty()) {
                continue;
            }
            JobParameters existing = executions.get(0).getJobParameters();
            if (userParameters(existing).equals(wanted)) {
                newest = Math.max(newest, existing.getLong(INSTANCE, 1L));
            }
        }
        long instance = settings.newRun() ? newest + 1 : Math.max(newest, 1);
        JobParametersBuilder builder = new JobParametersBuilder();
        wanted.forEach((name, value) -> builder.addString(name, value, true));
        builder.addLong(INSTANCE, instance, true);
        return builder.toJobParameters();
    }

    static Map<String, String> userParameters(JobParameters parameters) {
        Map<String, String> values = new TreeMap<>();
        for (JobParameter<?> parameter : parameters.getIdentifyingParameters()) {
            if (!parameter.name().equals(INSTANCE)) {
                values.put(parameter.name(), String.valueOf(parameter.value()));
            }
        }
        return values;
    }

    private static void preflight(OllamaClient client, RunSettings settings) {
        String url = settings.server().display();
        String version;
        try {
            version = client.version();
        } catch (OllamaException e) {
            throw new PreflightException("cannot reach Ollama at " + url + ": " + e.getMessage()
                    + ". Start it with 'ollama serve', or set --base-url, server.base-url or OLLAMA_HOST.");
        }
        List<ModelInfo> available = client.models();
        for (String model : settings.spec().models()) {
            if (available.stream().noneMatch(m -> m.matches(model))) {
                throw new PreflightException("model '" + model + "' is not on the server at " + url
                        + ". Pull it with 'ollama pull " + model + "'.");
            }
        }
        log.info("Ollama {} at {}{}", version, url, settings.simulated() ? " (built-in simulator: answers are "
                + "synthetic)" : "");
    }

    private static RunReport report(RunSettings settings, JobRepository repository, JobExecution execution,
            RunReport.Result result, String message) {
        Duration wall = Duration.ZERO;
        for (JobExecution each : repository.getJobExecutions(execution.getJobInstance())) {
            LocalDateTime start = each.getStartTime();
            LocalDateTime end = each.getEndTime();
            if (start != null && end != null) {
                wall = wall.plus(Duration.between(start, end));
            }
        }
        RunSummary summary = RunSummary.read(OutputFiles.of(settings.spec().output()), settings.spec().models());
        return new RunReport(result, execution.getId(), wall, message, summary);
    }

    private static String failureMessage(JobExecution execution) {
        List<Throwable> failures = execution.getAllFailureExceptions();
        if (failures.isEmpty()) {
            return execution.getExitStatus().getExitDescription();
        }
        Throwable cause = failures.get(0);
        while (cause.getCause() != null && !(cause instanceof GenerationFailedException)) {
            cause = cause.getCause();
        }
        return cause.getMessage();
    }

    private static void deleteIfEmpty(Path file) {
        try {
            if (Files.exists(file) && Files.size(file) == 0) {
                Files.delete(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void createParent(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the folder for " + file, e);
        }
    }
}

package dev.promptbatch.job;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameter;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;

import dev.promptbatch.output.OutputFiles;
import dev.promptbatch.spec.JobSpec;

/**
 * Which job instance a run is, and whether it may start or resume: a first run starts the instance, a run after a
 * failure resumes after its last committed chunk, a run after completion only says so, and {@code --new-run} starts
 * another instance with the same parameters. A resume that would mix two inputs or specs in one output, or append
 * after answers that are gone, is refused, and so is a completed run whose spec now names an output it never wrote.
 */
final class ResumePolicy {
    /** The job parameter that tells apart instances started with {@code --new-run}. */
    static final String INSTANCE = "promptbatch.instance";

    private static final Logger log = LoggerFactory.getLogger(ResumePolicy.class);

    /**
     * What to run.
     *
     * @param last    the instance's last execution, or null for a new instance
     * @param problem for an instance already complete, why its output may not be what the spec makes now; else null
     */
    record Decision(JobParameters parameters, JobExecution last, String problem) {
        boolean alreadyComplete() {
            return last != null && last.getStatus() == BatchStatus.COMPLETED;
        }
    }

    private final JobRepository repository;
    private final JobOperator operator;
    private final RunSettings settings;

    ResumePolicy(JobRepository repository, JobOperator operator, RunSettings settings) {
        this.repository = repository;
        this.operator = operator;
        this.settings = settings;
    }

    /** @throws RunRefusedException when the instance must not be resumed, or its completion not accepted */
    Decision decide(String jobName, RunFingerprint fingerprint) {
        recoverDeadExecutions(jobName);
        JobSpec spec = settings.spec();
        JobParameters parameters = parameters(jobName, fingerprint);
        JobExecution last = repository.getLastJobExecution(jobName, parameters);
        if (last == null) {
            return new Decision(parameters, null, null);
        }
        Optional<String> lost = lostOutput(last);
        if (last.getStatus() == BatchStatus.COMPLETED) {
            fingerprint.otherOutputThan(last.getJobParameters()).ifPresent(earlier -> {
                throw new RunRefusedException(spec.name() + ParameterText.afterJobName(settings.parameters())
                        + " already completed (execution " + last.getId() + ") with "
                        + "its output in " + earlier + "; the spec's output is now "
                        + spec.output().file() + ", which "
                        + "no run wrote. Run again with --new-run to start a new run that writes it.");
            });
            Optional<String> change = fingerprint
                    .changeSince(last.getJobParameters(), spec)
                    .map(c -> "since it ran, " + c + ": its output is from the earlier input and spec");
            return new Decision(parameters, last, lost.or(() -> change).orElse(null));
        }
        Optional<String> change = fingerprint.changeSince(last.getJobParameters(), spec);
        change.or(() -> lost).ifPresent(problem -> {
            throw new RunRefusedException("cannot resume " + spec.name() + ": " + problem + " since the "
                    + "interrupted run (execution " + last.getId() + ")"
                    + (change.isPresent() ? "; resuming would mix two runs in one output" : "")
                    + ". Run again with --new-run "
                    + "to start over.");
        });
        return new Decision(parameters, last, null);
    }

    /**
     * No other process can be running an execution this one finds STARTED in what it holds: on HSQLDB the whole
     * database (its file lock), on PostgreSQL every instance of the job with these {@code --param} values (the
     * instance lock). Such an execution belongs to a process that died; marking it failed makes it resumable. Other
     * parameters' executions on PostgreSQL may be running on another machine, and are left alone.
     */
    void recoverDeadExecutions(String jobName) {
        boolean wholeDatabase = !settings.database().postgres();
        Map<String, String> held = new TreeMap<>(settings.parameters());
        for (JobExecution execution : repository.findRunningJobExecutions(jobName)) {
            if (!wholeDatabase && !userParameters(execution.getJobParameters()).equals(held)) {
                continue;
            }
            log.warn(
                    "Execution {} of {} was left {} by a process that no longer runs; marking it failed so that "
                            + "it resumes",
                    execution.getId(),
                    jobName,
                    execution.getStatus());
            operator.recover(execution);
        }
    }

    /** The parameters of the instance to run: the newest with the same {@code --param} values, or a new one. */
    JobParameters parameters(String jobName, RunFingerprint fingerprint) {
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
        fingerprint.addTo(builder);
        return builder.toJobParameters();
    }

    private static Map<String, String> userParameters(JobParameters parameters) {
        Map<String, String> values = new TreeMap<>();
        for (JobParameter<?> parameter : parameters.getIdentifyingParameters()) {
            if (!parameter.name().equals(INSTANCE)) {
                values.put(parameter.name(), String.valueOf(parameter.value()));
            }
        }
        return values;
    }

    /**
     * What is missing of the files a run had committed to: resuming appends after the committed byte position, so a
     * file deleted or cut short since cannot be resumed, and a completed run's output may have been removed.
     */
    private Optional<String> lostOutput(JobExecution last) {
        StepExecution step = repository.getLastStepExecution(last.getJobInstance(), PromptBatchJobConfiguration.STEP);
        Optional<RestartState.Written> written =
                step == null ? Optional.empty() : RestartState.Written.in(step.getExecutionContext());
        if (written.isEmpty()) {
            return Optional.empty();
        }
        OutputFiles files = OutputFiles.of(settings.spec().output().file());
        Optional<String> output =
                shorterThanCommitted(files.output(), written.get().outputBytes());
        // A completed run's empty errors file is removed on purpose.
        return last.getStatus() == BatchStatus.COMPLETED
                ? output
                : output.or(
                        () -> shorterThanCommitted(files.errors(), written.get().errorsBytes()));
    }

    private static Optional<String> shorterThanCommitted(Path file, long committed) {
        if (committed == 0) {
            return Optional.empty();
        }
        try {
            long size = Files.exists(file) ? Files.size(file) : -1;
            return size >= committed
                    ? Optional.empty()
                    : Optional.of(file
                            + (size < 0
                                    ? " is gone"
                                    : " is " + size + " bytes, shorter than the " + committed
                                            + " bytes committed to it")
                            + ": the answers in it are "
                            + "lost");
        } catch (IOException e) {
            return Optional.of(file + " cannot be read: " + e.getMessage());
        }
    }
}

package dev.promptbatch.job;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;

import dev.promptbatch.output.OutputFiles;
import dev.promptbatch.spec.JobSpec;

/**
 * Which retry a {@code --retry-failed} run is: the unfinished retry of the completed run, resumed as a run is, or a
 * new one, numbered after the last, over the errors file as it is now. Refused when there is nothing to retry: no
 * completed run, or no errors file, or no failure in it that a retry can change.
 */
final class RetryPolicy {
    /** The job parameter that numbers a run's retries; with the run's parameters it identifies a retry. */
    static final String RETRY = "promptbatch.retry";

    /** Where the retry's answers start in the output: its length when the retry began. */
    static final String OUTPUT_START = "promptbatch.retry.output-start";

    static final String INCLUDE_REJECTED = "promptbatch.retry.include-rejected";

    /**
     * @param resuming the retry was started before and is resumed; else it starts now
     * @param retried  the failures in the errors file that it sends again
     */
    record Decision(JobParameters parameters, JobExecution run, boolean resuming, long retried) {
        long outputStart() {
            return parameters.getLong(OUTPUT_START, 0L);
        }

        boolean includeRejected() {
            return Boolean.parseBoolean(parameters.getString(INCLUDE_REJECTED, "false"));
        }
    }

    private final JobRepository repository;
    private final JobOperator operator;
    private final RunSettings settings;

    RetryPolicy(JobRepository repository, JobOperator operator, RunSettings settings) {
        this.repository = repository;
        this.operator = operator;
        this.settings = settings;
    }

    /** @throws RunRefusedException when there is nothing a retry may send */
    Decision decide(String jobName, RunFingerprint fingerprint, RetryFiles files) {
        JobSpec spec = settings.spec();
        String name = spec.name() + ParameterText.afterJobName(settings.parameters());
        ResumePolicy resume = new ResumePolicy(repository, operator, settings);
        resume.recoverDeadExecutions(jobName);
        JobParameters runParameters = resume.parameters(jobName, fingerprint);
        JobExecution run = repository.getLastJobExecution(jobName, runParameters);
        if (run == null) {
            throw new RunRefusedException("--retry-failed: " + name + " has not run yet, so nothing failed. "
                    + "Run it without --retry-failed first.");
        }
        if (run.getStatus() != BatchStatus.COMPLETED) {
            throw new RunRefusedException("--retry-failed: " + name + " is not complete (execution " + run.getId()
                    + " is " + run.getStatus() + "); only a completed run's failed records are retried. Run the "
                    + "same command without --retry-failed to resume it first.");
        }
        JobExecution lastRetry = null;
        long number = 1;
        for (JobExecution found = retry(jobName, runParameters, number);
                found != null;
                found = retry(jobName, runParameters, ++number)) {
            lastRetry = found;
        }
        if (lastRetry != null && lastRetry.getStatus() != BatchStatus.COMPLETED) {
            JobExecution interrupted = lastRetry;
            fingerprint.changeSince(interrupted.getJobParameters(), spec).ifPresent(change -> {
                throw new RunRefusedException("cannot resume the retry of " + name + " (execution "
                        + interrupted.getId() + "): since it started, " + change + ".");
            });
            if (!Files.exists(files.before())) {
                throw new RunRefusedException("cannot resume the retry of " + name + " (execution "
                        + interrupted.getId() + "): " + files.before() + ", the errors as it found them, is gone.");
            }
            JobParameters parameters = interrupted.getJobParameters();
            long retried = files.found()
                    .retryable(Boolean.parseBoolean(parameters.getString(INCLUDE_REJECTED, "false")))
                    .size();
            return new Decision(parameters, run, true, retried);
        }
        fingerprint.changeSince(run.getJobParameters(), spec).ifPresent(change -> {
            throw new RunRefusedException("--retry-failed: since " + name + " ran, " + change + ": its failed "
                    + "records are from the earlier input and spec. Run again with --new-run to start over.");
        });
        OutputFiles outputs = OutputFiles.of(spec.output().file());
        Path errors = outputs.errors();
        if (!Files.exists(errors)) {
            throw new RunRefusedException("--retry-failed: " + name + " completed (execution " + run.getId()
                    + ") without an errors file (" + errors + "): no record failed, nothing to retry.");
        }
        FailedRecords failed = files.read(errors);
        long retried = failed.retryable(settings.retry().includeRejected()).size();
        if (retried == 0) {
            throw new RunRefusedException(
                    "--retry-failed: none of the " + failed.lines().size() + " failures in "
                            + errors + " can change on a retry: bad records never do, and rejected ones are sent again "
                            + "only with --include-rejected.");
        }
        long outputStart;
        try {
            outputStart = Files.size(outputs.output());
        } catch (IOException e) {
            throw new RunRefusedException("--retry-failed: cannot read " + outputs.output() + ": " + e.getMessage(), e);
        }
        JobParameters parameters = new JobParametersBuilder(runParameters)
                .addLong(RETRY, number, true)
                .addLong(OUTPUT_START, outputStart, false)
                .addString(INCLUDE_REJECTED, String.valueOf(settings.retry().includeRejected()), false)
                .toJobParameters();
        return new Decision(parameters, run, false, retried);
    }

    private JobExecution retry(String jobName, JobParameters runParameters, long number) {
        return repository.getLastJobExecution(
                jobName,
                new JobParametersBuilder(runParameters)
                        .addLong(RETRY, number, true)
                        .toJobParameters());
    }
}

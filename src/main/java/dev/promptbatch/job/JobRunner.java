package dev.promptbatch.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.stream.IntStream;

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
import org.springframework.batch.core.step.StepExecution;
import org.springframework.context.ConfigurableApplicationContext;

import dev.promptbatch.generation.AdaptiveConcurrency;
import dev.promptbatch.generation.GenerationFailedException;
import dev.promptbatch.PromptBatchVersion;
import dev.promptbatch.generation.RequestBuilder;
import dev.promptbatch.generation.WorkPlan;
import dev.promptbatch.output.Cell;
import dev.promptbatch.output.RunManifest;
import dev.promptbatch.ollama.OllamaClient;
import dev.promptbatch.ollama.ServerCheck;
import dev.promptbatch.output.OutputFileException;
import dev.promptbatch.output.OutputFiles;
import dev.promptbatch.output.RunSummary;
import dev.promptbatch.report.HtmlReport;
import dev.promptbatch.spec.JobSpec;

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
        JobSpec spec = settings.spec();
        WritableTargets.check(spec, settings.database());
        checkNotInUse(settings.database());
        RunFingerprint fingerprint = RunFingerprint.of(spec);
        try (OutputLock lock = OutputLock.claim(spec.output(), spec.name(), settings.parameters(),
                        settings.database());
                ConfigurableApplicationContext context = BatchContext.start(settings);
                DatabaseOwner owner = DatabaseOwner.claim(settings.database(), spec.name(), settings.parameters())) {
            JobRepository repository = context.getBean(JobRepository.class);
            Job job = context.getBean(Job.class);
            JobOperator operator = context.getBean(JobOperator.class);
            recoverDeadExecutions(repository, operator, job.getName());
            JobParameters parameters = parameters(repository, job.getName(), settings, fingerprint);
            JobExecution last = repository.getLastJobExecution(job.getName(), parameters);
            Optional<String> lostOutput = last == null ? Optional.empty() : lostOutput(repository, last, spec);
            if (last != null && last.getStatus() == BatchStatus.COMPLETED) {
                fingerprint.otherOutputThan(last.getJobParameters()).ifPresent(earlier -> {
                    throw new RunRefusedException(spec.name() + (settings.parameters().isEmpty() ? "" : " "
                            + settings.parameters()) + " already completed (execution " + last.getId() + ") with "
                            + "its output in " + earlier + "; the spec's output is now " + spec.output() + ", which "
                            + "no run wrote. Run again with --new-run to start a new run that writes it.");
                });
                Optional<String> change = fingerprint.changeSince(last.getJobParameters(), spec)
                        .map(c -> "since it ran, " + c + ": its output is from the earlier input and spec");
                return report(settings, repository, last, RunReport.Result.ALREADY_COMPLETE,
                        lostOutput.or(() -> change).orElse(null));
            }
            if (last != null) {
                Optional<String> change = fingerprint.changeSince(last.getJobParameters(), spec);
                change.or(() -> lostOutput).ifPresent(problem -> {
                    throw new RunRefusedException("cannot resume " + spec.name() + ": " + problem + " since the "
                            + "interrupted run (execution " + last.getId() + ")" + (change.isPresent()
                            ? "; resuming would mix two runs in one output" : "") + ". Run again with --new-run "
                            + "to start over.");
                });
            }
            ServerCheck.Result server = preflight(context.getBean(OllamaClient.class), settings);
            if (settings.stop().requested()) {
                return new RunReport(RunReport.Result.STOPPED, last == null ? 0 : last.getId(), Duration.ZERO,
                        "stopped before it started", RunSummary.read(OutputFiles.of(spec.output()), WorkPlan.passes(spec)));
            }
            JobExecution execution;
            try (ProgressReporter reporter = new ProgressReporter(context.getBean(RunProgress.class)::line, ProgressReporter.EVERY)) {
                execution = operator.start(job, parameters);
            }
            writeFilesBesideOutput(settings, repository, execution, server, fingerprint);
            RunReport outcome = switch (execution.getStatus()) {
                case COMPLETED -> {
                    deleteIfEmpty(OutputFiles.of(spec.output()).errors());
                    yield report(settings, repository, execution, RunReport.Result.COMPLETED, null);
                }
                case STOPPED -> report(settings, repository, execution, RunReport.Result.STOPPED,
                        "stopped by SIG" + settings.stop().signal());
                default -> {
                    Throwable cause = failureCause(execution);
                    String reason = cause == null ? execution.getExitStatus().getExitDescription() : cause.getMessage();
                    log.error("{} failed: {}", spec.name(), reason);
                    yield report(settings, repository, execution, cause instanceof OutputFileException file
                            && file.lost() ? RunReport.Result.OUTPUT_LOST : RunReport.Result.FAILED, reason);
                }
            };
            return outcome.withThrottling(context.getBean(AdaptiveConcurrency.class).report());
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * What is missing of the files a run had committed to: resuming appends after the committed byte position, so a
     * file deleted or cut short since cannot be resumed, and a completed run's output may have been removed.
     */
    private static Optional<String> lostOutput(JobRepository repository, JobExecution last, JobSpec spec) {
        StepExecution step = repository.getLastStepExecution(last.getJobInstance(), PromptBatchJobConfiguration.STEP);
        if (step == null) {
            return Optional.empty();
        }
        Optional<RestartState.Written> written = RestartState.Written.in(step.getExecutionContext());
        if (written.isEmpty()) {
            return Optional.empty();
        }
        OutputFiles files = OutputFiles.of(spec.output());
        for (Map.Entry<Path, Long> file : Map.of(files.output(), written.get().outputBytes(), files.errors(),
                written.get().errorsBytes()).entrySet()) {
            long committed = file.getValue();
            if (committed == 0 || (file.getKey().equals(files.errors()) && last.getStatus() == BatchStatus.COMPLETED)) {
                continue;
            }
            try {
                long size = Files.exists(file.getKey()) ? Files.size(file.getKey()) : -1;
                if (size < committed) {
                    return Optional.of(file.getKey() + (size < 0 ? " is gone" : " is " + size + " bytes, shorter "
                            + "than the " + committed + " bytes committed to it") + ": the answers in it are lost");
                }
            } catch (IOException e) {
                return Optional.of(file.getKey() + " cannot be read: " + e.getMessage());
            }
        }
        return Optional.empty();
    }

    /**
     * Refuses at once when a live process has the database open, and says what it waits for when the last process
     * to have it died: HSQLDB takes over a dead process's lock only once its heartbeat is about ten seconds old. A
     * lock with no owner recorded may be a run still starting, which HSQLDB's refusal then reports.
     */
    private static void checkNotInUse(Path database) {
        Optional<DatabaseOwner.Owner> owner = DatabaseOwner.read(database);
        if (owner.isPresent() && owner.get().alive()) {
            throw new RunRefusedException(owner.get().inUseMessage(database));
        }
        if (owner.isPresent() && Files.exists(database.resolveSibling(database.getFileName() + ".lck"))) {
            log.info("The job database was left open by a process that stopped (process {}, job {}); waiting for "
                    + "its lock to expire (up to about 15 s)", owner.get().pid(), owner.get().job());
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
    private static JobParameters parameters(JobRepository repository, String jobName, RunSettings settings,
            RunFingerprint fingerprint) {
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

    static Map<String, String> userParameters(JobParameters parameters) {
        Map<String, String> values = new TreeMap<>();
        for (JobParameter<?> parameter : parameters.getIdentifyingParameters()) {
            if (!parameter.name().equals(INSTANCE)) {
                values.put(parameter.name(), String.valueOf(parameter.value()));
            }
        }
        return values;
    }

    /** The server's answers to the checks, or null when a stop cut them short. */
    private static ServerCheck.Result preflight(OllamaClient client, RunSettings settings) {
        ServerCheck.Result server;
        try {
            server = settings.stop().interruptible(() -> ServerCheck.check(client, settings.server().display(),
                    settings.spec().models(), settings.spec().think()));
        } catch (CancellationException e) {
            if (!settings.stop().requested()) {
                throw e;
            }
            return null;
        }
        if (settings.stop().requested()) {
            return null;
        }
        if (!server.ok()) {
            throw new RunRefusedException(String.join(" ", server.problems()));
        }
        server.warnings().forEach(warning -> log.warn("{}", warning));
        log.info("Ollama {} at {}{}", server.version(), settings.server().display(), settings.simulated()
                ? " (built-in simulator: answers are synthetic)" : "");
        return server;
    }

    /**
     * The manifest, summary and report. One that cannot be written (the disk is full) is a warning: it must not hide
     * how the run itself ended, nor turn a completed run into a failed one.
     */
    private static void writeFilesBesideOutput(RunSettings settings, JobRepository repository,
            JobExecution execution, ServerCheck.Result server, RunFingerprint fingerprint) {
        JobSpec spec = settings.spec();
        OutputFiles files = OutputFiles.of(spec.output());
        besideOutput(RunManifest.fileFor(spec.output()),
                () -> writeManifest(settings, repository, execution, server, fingerprint));
        besideOutput(files.summary(),
                () -> RunSummary.read(files, WorkPlan.passes(spec)).writeCsv(files.summary()));
        if (spec.report() != null) {
            besideOutput(spec.report(), () -> {
                HtmlReport.write(spec.output(), spec.report());
                log.info("Report: {}", spec.report());
            });
        }
    }

    private static void besideOutput(Path file, Runnable write) {
        try {
            write.run();
        } catch (RuntimeException e) {
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            log.warn("Could not write {}: {}", file, cause instanceof IOException io ? OutputFileException.reason(io)
                    : cause.getMessage());
        }
    }

    private static void writeManifest(RunSettings settings, JobRepository repository, JobExecution execution,
            ServerCheck.Result server, RunFingerprint fingerprint) {
        JobSpec spec = settings.spec();
        RequestBuilder requests = new RequestBuilder(spec);
        List<Map<String, Object>> options = new ArrayList<>();
        List<Integer> variants = spec.variants().isEmpty() ? Collections.singletonList(null)
                : IntStream.range(0, spec.variants().size()).boxed().toList();
        for (Integer variant : variants) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("variant", variant);
            entry.put("options", requests.options(new Cell(spec.models().get(0), variant, null, null)));
            options.add(entry);
        }
        LocalDateTime started = repository.getJobExecutions(execution.getJobInstance()).stream()
                .map(JobExecution::getStartTime).filter(Objects::nonNull).min(LocalDateTime::compareTo)
                .orElse(execution.getStartTime());
        RunManifest.write(spec, new RunManifest.Facts(PromptBatchVersion.current(), spec.name(),
                settings.parameters(), execution.getId(), execution.getStatus().name(), started,
                execution.getEndTime(), settings.simulated(), settings.server().display(), server.version(),
                server.models(), fingerprint.inputSize(), fingerprint.inputSha256(), options));
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
        RunSummary summary = RunSummary.read(OutputFiles.of(settings.spec().output()),
                WorkPlan.passes(settings.spec()));
        return new RunReport(result, execution.getId(), wall, message, summary);
    }

    /** The first failure's own cause: ours where one of ours says what went wrong, else the root cause. */
    private static Throwable failureCause(JobExecution execution) {
        List<Throwable> failures = execution.getAllFailureExceptions();
        if (failures.isEmpty()) {
            return null;
        }
        Throwable cause = failures.get(0);
        while (cause.getCause() != null && !(cause instanceof GenerationFailedException)
                && !(cause instanceof OutputFileException)) {
            cause = cause.getCause();
        }
        return cause;
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
}

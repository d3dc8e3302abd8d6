package dev.promptbatch.job;

import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;

import dev.promptbatch.cache.AnswerCache;
import dev.promptbatch.cache.ModelDigests;
import dev.promptbatch.metrics.LiveCounts;
import dev.promptbatch.metrics.RunMonitor;
import dev.promptbatch.ollama.ServerCheck;
import dev.promptbatch.output.OutputFileException;
import dev.promptbatch.output.RunSummary;
import dev.promptbatch.progress.ProgressDisplay;
import dev.promptbatch.progress.ProgressFacts;
import dev.promptbatch.servers.CredentialsRefusedException;
import dev.promptbatch.servers.GenerationFailedException;
import dev.promptbatch.servers.PooledServer;
import dev.promptbatch.servers.Preflight;
import dev.promptbatch.servers.ServerFacts;
import dev.promptbatch.servers.ServerPool;

/** One run in a started context, from deciding what to run to how it ended; handed what it uses by the context. */
final class RunLauncher {
    private static final Logger log = LoggerFactory.getLogger(RunLauncher.class);

    private final RunSettings settings;
    private final JobRepository repository;
    private final JobOperator operator;
    private final Job job;
    /** The job of {@code --retry-failed}, or null for a run that is not one. */
    private final RetryJob retry;

    private final ServerPool pool;
    private final RunProgress progress;
    private final LiveCounts counts;
    private final AnswerCache cache;
    /** The checks of the servers that answered only after the checks before the run, by URL. */
    private final Map<String, ServerCheck.Result> joined = new ConcurrentHashMap<>();

    RunLauncher(
            RunSettings settings,
            JobRepository repository,
            JobOperator operator,
            Job job,
            RetryJob retry,
            ServerPool pool,
            RunProgress progress,
            LiveCounts counts,
            AnswerCache cache) {
        this.settings = settings;
        this.cache = cache;
        this.repository = repository;
        this.operator = operator;
        this.job = job;
        this.retry = retry;
        this.pool = pool;
        this.progress = progress;
        this.counts = counts;
    }

    RunReport run(RunFingerprint fingerprint) throws Exception {
        if (retry != null) {
            return retryFailed(fingerprint);
        }
        ResumePolicy.Decision decision =
                new ResumePolicy(repository, operator, settings).decide(job.getName(), fingerprint);
        RunArtifacts artifacts = new RunArtifacts(settings, repository, fingerprint);
        if (decision.alreadyComplete()) {
            RunSummary summary = decision.problem() == null
                    ? artifacts.missingAfterCompletion(decision.last())
                    : artifacts.recordedSummary();
            return report(decision.last(), RunReport.Result.ALREADY_COMPLETE, decision.problem(), summary);
        }
        Preflight.Result servers = preflight();
        if (servers == null || settings.stop().requested()) {
            // A resumed run stopped here is still the run its earlier executions made; a new one has nothing yet.
            return decision.last() == null
                    ? new RunReport(RunReport.Result.NOT_STARTED, 0, Duration.ZERO, "stopped before it started", null)
                    : report(
                            decision.last(),
                            RunReport.Result.STOPPED,
                            "stopped before it started",
                            artifacts.recordedSummary());
        }
        JobExecution execution;
        try (ProgressDisplay display = ProgressDisplay.start(settings.progress(), settings.spec(), this::counts);
                RunMonitor.Ticks metrics =
                        settings.monitor().everyInterval(settings.progress().interval(), counts::snapshot)) {
            execution = operator.start(job, decision.parameters());
        }
        return outcome(execution, artifacts.afterExecution(execution, facts(servers)))
                .withThrottling(pool.servers().stream()
                        .map(server -> server.concurrency().report())
                        .toList());
    }

    /**
     * {@code --retry-failed}: the completed run's failed records sent again, by a retry started now or resumed. The
     * errors file is kept as found before the retry's first start, so that every run of the retry sends the same.
     */
    private RunReport retryFailed(RunFingerprint fingerprint) throws Exception {
        RetryPolicy.Decision decision =
                new RetryPolicy(repository, operator, settings).decide(job.getName(), fingerprint, retry.files());
        RunArtifacts artifacts = new RunArtifacts(settings, repository, fingerprint);
        Preflight.Result servers = preflight();
        if (servers == null || settings.stop().requested()) {
            return report(
                    decision.run(), RunReport.Result.STOPPED, "stopped before it started", artifacts.recordedSummary());
        }
        if (!decision.resuming()) {
            retry.files().keepErrorsAsFound();
        }
        retry.prepare(decision.outputStart(), decision.includeRejected());
        log.info(
                "{} the {} failed record(s) of execution {} that a retry can change",
                decision.resuming() ? "Resuming the retry of" : "Retrying",
                decision.retried(),
                decision.run().getId());
        JobExecution execution;
        try (ProgressDisplay display = ProgressDisplay.start(settings.progress(), settings.spec(), this::counts);
                RunMonitor.Ticks metrics =
                        settings.monitor().everyInterval(settings.progress().interval(), counts::snapshot)) {
            execution = operator.start(retry.job(), decision.parameters());
        }
        if (execution.getStatus() == BatchStatus.COMPLETED) {
            retry.files().removeWorkFiles();
        }
        return outcome(execution, artifacts.afterExecution(execution, facts(servers)))
                .withThrottling(pool.servers().stream()
                        .map(server -> server.concurrency().report())
                        .toList());
    }

    private ProgressDisplay.Counts counts() {
        return new ProgressDisplay.Counts(
                progress.answered(),
                progress.failed(),
                progress.answeredHere() + progress.failedHere(),
                progress.answeredHere(),
                pool.servers().stream()
                        .map(server -> new ProgressFacts.ServerLoad(
                                server.display(), server.concurrency().inFlight()))
                        .toList());
    }

    /** What every server's checks found, or null when a stop cut them short; the pool learns who has which model. */
    private Preflight.Result preflight() {
        List<Preflight.Target> targets = pool.servers().stream()
                .map(server -> new Preflight.Target(server.display(), server.client()))
                .toList();
        Preflight.Result servers;
        try {
            servers = settings.stop().interruptible(() -> {
                try {
                    return Preflight.check(
                            targets,
                            settings.spec().generation().models(),
                            settings.spec().generation().think(),
                            Preflight.needs(settings.spec()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CancellationException("interrupted while checking the servers");
                }
            });
        } catch (CancellationException e) {
            if (!settings.stop().requested()) {
                throw e;
            }
            return null;
        }
        if (settings.stop().requested()) {
            return null;
        }
        if (!servers.ok()) {
            throw new RunRefusedException(String.join(" ", servers.problems()));
        }
        servers.warnings().forEach(warning -> log.warn("{}", warning));
        for (ServerCheck.Result server : servers.servers()) {
            if (server.reached()) {
                log.info(
                        "{} at {}{}",
                        server.describe(),
                        server.url(),
                        settings.simulated() ? " (built-in simulator: answers are synthetic)" : "");
            }
        }
        servers.serversByModel().forEach(pool::serve);
        cache.useDigests(ModelDigests.agreed(servers));
        for (PooledServer server : pool.servers()) {
            if (servers.servers().stream()
                    .noneMatch(check -> check.url().equals(server.display()) && check.reached())) {
                pool.awaitJoin(server, servers.serversByModel().keySet(), () -> join(server, servers));
            }
        }
        return servers;
    }

    /**
     * The checks of a server the checks before the run could not reach, when its probe is due: the models it joins
     * the run for once it answers, with the same warnings as then; the cache's digests follow.
     */
    private Optional<Set<String>> join(PooledServer server, Preflight.Result atStart) {
        Optional<Preflight.Joined> found = Preflight.join(
                new Preflight.Target(server.display(), server.client()),
                settings.spec().generation().models(),
                settings.spec().generation().think(),
                Preflight.needs(settings.spec()),
                checks(atStart));
        found.ifPresent(late -> {
            late.warnings().forEach(warning -> log.warn("{}", warning));
            synchronized (joined) {
                joined.put(server.display(), late.check());
                cache.useDigests(ModelDigests.agreed(atStart.serversByModel().keySet(), checks(atStart)));
            }
        });
        return found.map(Preflight.Joined::models);
    }

    /** Every server's checks that found it: before the run, or when it answered later. */
    private List<ServerCheck.Result> checks(Preflight.Result atStart) {
        List<ServerCheck.Result> checks = new ArrayList<>();
        for (ServerCheck.Result check : atStart.servers()) {
            ServerCheck.Result late = joined.get(check.url());
            if (check.reached() || late != null) {
                checks.add(late == null ? check : late);
            }
        }
        return checks;
    }

    /** The manifest's facts of every server of the run, those that never answered the checks too. */
    private List<ServerFacts> facts(Preflight.Result servers) {
        List<ServerFacts> facts = new ArrayList<>();
        for (PooledServer server : pool.servers()) {
            ServerCheck.Result check = checks(servers).stream()
                    .filter(result -> result.url().equals(server.display()) && result.reached())
                    .findFirst()
                    .orElse(null);
            facts.add(new ServerFacts(
                    server.display(),
                    check == null ? null : check.version(),
                    check == null ? List.of() : check.models(),
                    server.concurrencyInUse(),
                    server.target().autoConcurrency(),
                    check != null,
                    server.target().api().key(),
                    check == null ? null : server.client().durations()));
        }
        return facts;
    }

    private RunReport outcome(JobExecution execution, RunSummary summary) {
        return switch (execution.getStatus()) {
            case COMPLETED -> report(execution, RunReport.Result.COMPLETED, null, summary);
            case STOPPED ->
                report(
                        execution,
                        RunReport.Result.STOPPED,
                        "stopped by SIG" + settings.stop().signal(),
                        summary);
            default -> {
                Throwable cause = failureCause(execution);
                if (cause instanceof CredentialsRefusedException refused) {
                    log.error("{} stopped: {}", settings.spec().name(), refused.getMessage());
                    throw new RunRefusedException(
                            refused.getMessage() + ". Nothing answered is lost: fix the credentials and run the same "
                                    + "command again to resume.",
                            refused);
                }
                String reason = cause == null ? execution.getExitStatus().getExitDescription() : cause.getMessage();
                log.error("{} failed: {}", settings.spec().name(), reason);
                yield report(
                        execution,
                        cause instanceof OutputFileException file && file.lost()
                                ? RunReport.Result.OUTPUT_LOST
                                : RunReport.Result.FAILED,
                        reason,
                        summary);
            }
        };
    }

    /** The report, with the time spent running over every execution of the job instance. */
    private RunReport report(JobExecution execution, RunReport.Result result, String message, RunSummary summary) {
        Duration wall = Duration.ZERO;
        for (JobExecution each : repository.getJobExecutions(execution.getJobInstance())) {
            LocalDateTime start = each.getStartTime();
            LocalDateTime end = each.getEndTime();
            if (start != null && end != null) {
                wall = wall.plus(Duration.between(start, end));
            }
        }
        return new RunReport(result, execution.getId(), wall, message, summary);
    }

    /** The first failure's own cause: ours where one of ours says what went wrong, else the root cause. */
    private static Throwable failureCause(JobExecution execution) {
        List<Throwable> failures = execution.getAllFailureExceptions();
        if (failures.isEmpty()) {
            return null;
        }
        Throwable cause = failures.get(0);
        while (cause.getCause() != null
                && !(cause instanceof GenerationFailedException)
                && !(cause instanceof OutputFileException)
                && !(cause instanceof InstanceLostException)) {
            cause = cause.getCause();
        }
        return cause;
    }
}

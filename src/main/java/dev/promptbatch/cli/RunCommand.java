package dev.promptbatch.cli;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.promptbatch.generation.InputCheck;
import dev.promptbatch.generation.WorkPlan;
import dev.promptbatch.job.GracefulStop;
import dev.promptbatch.job.JobDatabase;
import dev.promptbatch.job.JobRunner;
import dev.promptbatch.job.ParameterText;
import dev.promptbatch.job.RetryFailed;
import dev.promptbatch.job.RunReport;
import dev.promptbatch.job.RunSettings;
import dev.promptbatch.metrics.RunMonitor;
import dev.promptbatch.output.FailureCauses;
import dev.promptbatch.output.OutputFiles;
import dev.promptbatch.output.RunSummary;
import dev.promptbatch.progress.ProgressSettings;
import dev.promptbatch.progress.QuietLogging;
import dev.promptbatch.servers.AdaptiveConcurrency;
import dev.promptbatch.spec.Durations;
import dev.promptbatch.spec.JobSpec;
import dev.promptbatch.spec.SpecException;

/** {@code run SPEC}: runs the job, or resumes its last unfinished execution. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Runs the job a spec describes, or resumes it where it stopped.",
            "Exit codes: 0 completed; 3 completed with failed records (see the errors file); "
                    + "1 failed, run the same command again to resume; 2 nothing was run; "
                    + "130 / 143 stopped by SIGINT / SIGTERM, resumable."
        })
final class RunCommand implements Callable<Integer> {
    private static final Pattern PARAMETER_NAME = Pattern.compile("[A-Za-z0-9_.-]+");

    @Parameters(index = "0", paramLabel = "SPEC", description = "The job spec (YAML), e.g. jobs/nightly-summaries.yaml")
    Path specFile;

    @Mixin
    SharedOptions.Param parameters;

    @Mixin
    SharedOptions.BaseUrl baseUrl;

    @Option(
            names = "--concurrency",
            paramLabel = "N",
            description = "Requests in flight at most on each server without a concurrency of its own.")
    Integer concurrency;

    @Mixin
    SharedOptions.Database database;

    @Option(names = "--new-run", description = "Start a new run even if one with these parameters exists.")
    boolean newRun;

    @Mixin
    SharedOptions.Retry retry;

    @Mixin
    SharedOptions.Simulator simulator;

    @Mixin
    SharedOptions.StrictParams strictParams;

    @Mixin
    SharedOptions.Progress progress;

    @Mixin
    MetricsOptions metrics;

    @Mixin
    SharedOptions.Cache cache;

    private final CliEnvironment environment;

    RunCommand(CliEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() {
        RetryFailed retryFailed = retry.choice(newRun);
        ProgressSettings shown = progress.settings(environment);
        try (QuietLogging quiet = QuietLogging.when(shown.mode() == ProgressSettings.Mode.QUIET)) {
            return runJob(
                    environment,
                    loadSpec(),
                    parameters.values,
                    newRun,
                    retryFailed,
                    baseUrl,
                    database,
                    simulator,
                    shown,
                    metrics);
        }
    }

    /**
     * Runs a job, or resumes it, and reports how it ended: the console's account and the exit code. Shared by
     * {@code run} and {@code batch}, whose jobs differ only in how their spec is made.
     *
     * @param parameters the values that identify the job instance beside its name
     * @param shown      how progress is shown
     * @param metrics    where the run's metrics go for monitoring
     */
    static int runJob(
            CliEnvironment environment,
            JobSpec spec,
            Map<String, String> parameters,
            boolean newRun,
            RetryFailed retry,
            SharedOptions.BaseUrl baseUrl,
            SharedOptions.Database database,
            SharedOptions.Simulator simulator,
            ProgressSettings shown,
            MetricsOptions metrics) {
        InputCheck.check(spec);
        RunMonitor monitor = metrics.monitor(spec, environment, Clock.systemUTC());
        InputWarnings.beforeRun(environment, spec);
        try (ChosenServer server = ChosenServer.of(spec, baseUrl, simulator, environment)) {
            GracefulStop stop = new GracefulStop(GracefulStop.DEFAULT_GRACE);
            JobDatabase db = database.resolve(environment);
            RunSettings settings = new RunSettings(
                    spec, server.targets(), db, parameters, newRun, simulator.on, stop, shown, monitor, retry);
            RunReport report;
            try (StopSignals signals = new StopSignals(stop)) {
                report = JobRunner.run(settings);
            } catch (RuntimeException e) {
                RuntimeException failure = failure(e, db);
                // A run refused (exit 2) ran nothing: the metrics stay those of the last run.
                if (!ExceptionExitCodes.refusal(failure)) {
                    monitor.afterRun(
                            ExitCode.FAILED,
                            () -> RunSummary.read(
                                    OutputFiles.of(spec.output().file()), WorkPlan.passes(spec), List.of()));
                }
                throw failure;
            }
            int code = finish(environment, spec, parameters, newRun, retry.on(), simulator.on, report, stop);
            // Neither is an execution: the metrics stay those of the last run.
            if (report.result() != RunReport.Result.ALREADY_COMPLETE
                    && report.result() != RunReport.Result.NOT_STARTED) {
                monitor.afterRun(code, report::summary);
            }
            return code;
        }
    }

    private static RuntimeException failure(RuntimeException e, JobDatabase db) {
        String locked = db.postgres() ? null : DatabaseErrors.lockMessage(e, db.file());
        if (locked != null) {
            return new CommandRefusedException(locked, e);
        }
        String lost = DatabaseErrors.lostMessage(e, db);
        if (lost != null) {
            return new IllegalStateException(lost, e);
        }
        return e;
    }

    private JobSpec loadSpec() {
        parameters.values.keySet().forEach(name -> {
            if (!PARAMETER_NAME.matcher(name).matches() || name.startsWith("promptbatch.")) {
                throw new SpecException("--param " + name + ": a name of letters, digits, '_', '.' and '-', "
                        + "not starting with 'promptbatch.'");
            }
        });
        JobSpec spec = SpecWithParameters.load(environment, specFile, parameters.values, strictParams.on);
        if (concurrency != null) {
            if (concurrency < 1 || concurrency > 1024) {
                throw new SpecException("--concurrency: expected a whole number from 1 to 1024, got " + concurrency);
            }
            spec = spec.withConcurrency(concurrency);
        }
        return cache.applyTo(spec, environment);
    }

    private static int finish(
            CliEnvironment environment,
            JobSpec spec,
            Map<String, String> parameters,
            boolean newRun,
            boolean retrying,
            boolean simulated,
            RunReport report,
            GracefulStop stop) {
        String parametersText = ParameterText.afterJobName(parameters);
        // The same command with --new-run would start yet another run rather than resume this one.
        String resume =
                newRun ? "run the same command without --new-run to resume" : "run the same command again to resume";
        var out = environment.out();
        if (report.result() == RunReport.Result.NOT_STARTED) {
            out.println(spec.name() + parametersText + " " + report.message() + ".");
            out.println("Nothing was sent; the output is as it was. Run the same command again to start it.");
            return stoppedCode(stop);
        }
        RunSummary summary = report.summary();
        OutputFiles files = OutputFiles.of(spec.output().file());
        switch (report.result()) {
            case ALREADY_COMPLETE ->
                out.println(spec.name() + parametersText + " already completed (execution "
                        + report.executionId() + "); nothing to do"
                        + (report.message() == null ? "" : "; " + report.message())
                        + ". Use --new-run to run it again.");
            case COMPLETED ->
                out.println(
                        spec.name() + parametersText + " completed in " + Durations.readable(report.wallTime()) + ".");
            case FAILED, OUTPUT_LOST -> out.println(spec.name() + parametersText + " failed: " + report.message());
            case STOPPED -> out.println(spec.name() + parametersText + " " + report.message() + ".");
        }
        if (summary.answered() == 0 && summary.failed() > 0) {
            out.println(FailureCauses.allFailed(files.errors(), summary.failed()));
        }
        out.print(retrying ? summary.retryTable() : summary.table(report.wallTime()));
        for (AdaptiveConcurrency.Report busy : report.throttling()) {
            if (!busy.throttledAtAll()) {
                continue;
            }
            String where = report.throttling().size() == 1 ? "" : " at " + busy.server();
            out.println("Server busy" + where + ": " + count(busy.busyAnswers(), "request")
                    + " answered 'busy' and sent again "
                    + "(not counted as attempts); requests in flight lowered to " + busy.lowest() + " of "
                    + busy.configured() + " (" + busy.current() + " at the end), throttled for "
                    + Durations.readable(busy.throttled()) + ".");
        }
        out.println("Output: "
                + environment.shown(files.output()) + " ("
                + count(summary.answered(), spec.embeds() ? "embedding" : "answer") + ")");
        if (summary.failed() > 0) {
            out.println(
                    "Errors: " + environment.shown(files.errors()) + " (" + count(summary.failed(), "failure") + ")");
        }
        if (simulated) {
            out.println("The answers are synthetic: they come from the built-in simulator.");
        }
        return switch (report.result()) {
            case ALREADY_COMPLETE -> ExitCode.OK;
            case COMPLETED -> summary.failed() > 0 ? ExitCode.COMPLETED_WITH_FAILURES : ExitCode.OK;
            case FAILED -> {
                out.println("Nothing answered is lost: " + resume + ".");
                yield ExitCode.FAILED;
            }
            case OUTPUT_LOST -> {
                out.println("Run again with --new-run to start over.");
                yield ExitCode.FAILED;
            }
            case STOPPED -> {
                out.println("Everything answered is saved: " + resume + ".");
                yield stoppedCode(stop);
            }
            case NOT_STARTED -> throw new IllegalStateException("a run that did not start has no summary");
        };
    }

    private static int stoppedCode(GracefulStop stop) {
        return "TERM".equals(stop.signal()) ? ExitCode.STOPPED_BY_SIGTERM : ExitCode.STOPPED_BY_SIGINT;
    }

    private static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}

package dev.promptbatch.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.promptbatch.job.DatabaseOwner;
import dev.promptbatch.job.ExecutionHistory;
import dev.promptbatch.job.InstanceLock;
import dev.promptbatch.job.JobDatabase;
import dev.promptbatch.job.ParameterText;

/** {@code status [JOB]}: recent executions, and the progress of one running now. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Lists recent executions: id, job, parameters, status, start, end, records read / "
                    + "written in that execution, and answered / failed for the whole run.",
            "Works while a run holds the database in another process, and shows that run's progress."
        })
final class StatusCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    /** Statuses of an execution that has not ended: its process runs it, or died. */
    private static final Set<String> UNFINISHED = Set.of("STARTING", "STARTED", "STOPPING");

    @Parameters(index = "0", arity = "0..1", paramLabel = "JOB", description = "Only this job.")
    String job;

    @Mixin
    SharedOptions.Database database;

    @Option(
            names = "--limit",
            paramLabel = "N",
            description = "Executions to list, at least 1 (default " + "${DEFAULT-VALUE}).")
    int limit = 20;

    private final CliEnvironment environment;

    StatusCommand(CliEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() {
        if (limit < 1) {
            throw new CommandRefusedException("--limit: expected a whole number of at least 1, got " + limit);
        }
        JobDatabase db = database.resolve(environment);
        PrintWriter out = environment.out();
        if (!ExecutionHistory.exists(db)) {
            out.println("No runs yet: there is no job database at " + db.display() + ".");
            return ExitCode.OK;
        }
        List<ExecutionHistory.Execution> executions = ExecutionHistory.read(db, job, limit);
        if (executions.isEmpty()) {
            out.println(job == null ? "No runs yet." : "No runs of " + job + ".");
        } else {
            out.printf(
                    Locale.ROOT,
                    "%5s  %-24s %-22s %-10s %-19s  %-19s %8s %8s %9s %7s%n",
                    "id",
                    "job",
                    "parameters",
                    "status",
                    "started",
                    "ended",
                    "read",
                    "written",
                    "answered",
                    "failed");
            for (ExecutionHistory.Execution e : executions) {
                out.printf(
                        Locale.ROOT,
                        "%5d  %-24s %-22s %-10s %-19s  %-19s %8d %8d %9d %7d%n",
                        e.id(),
                        e.job(),
                        parameters(e.parameters()),
                        e.status(),
                        time(e.start()),
                        time(e.end()),
                        e.read(),
                        e.written(),
                        e.answered(),
                        e.failed());
            }
        }
        if (db.postgres()) {
            runningOnPostgres(db, executions, out);
        } else {
            runningOnHsqldb(db.file(), executions, out);
        }
        return ExitCode.OK;
    }

    private static void runningOnHsqldb(Path db, List<ExecutionHistory.Execution> executions, PrintWriter out) {
        Optional<DatabaseOwner.Owner> owner = DatabaseOwner.read(db).filter(DatabaseOwner.Owner::alive);
        Optional<ExecutionHistory.Execution> live = Optional.empty();
        List<String> gone = new ArrayList<>();
        for (ExecutionHistory.Execution e : executions) {
            if (!UNFINISHED.contains(e.status())) {
                continue;
            }
            // The running process marked its job's executions left by a dead one as failed when it started.
            if (live.isEmpty() && owner.isPresent() && owner.get().job().equals(e.job())) {
                live = Optional.of(e);
            } else {
                gone.add("Execution " + e.id() + " (" + e.job() + " " + parameters(e.parameters()) + ") is "
                        + e.status() + " but not running (the process is gone; the next run resumes it).");
            }
        }
        if (!gone.isEmpty()) {
            out.println();
            gone.forEach(out::println);
        }
        if (owner.isPresent()) {
            DatabaseOwner.Owner running = owner.get();
            out.println();
            out.println("Running now in process " + running.pid() + " since "
                    + time(LocalDateTime.ofInstant(running.since(), ZoneId.systemDefault())) + ": " + running.job()
                    + " " + parameters(running.parameters()));
            // The same committed counts as the table's row, so that the two never disagree.
            live.ifPresent(e -> out.printf(
                    Locale.ROOT,
                    "  %d answered, %d failed, %.1f records/min in execution " + "%d%n",
                    e.answered(),
                    e.failed(),
                    perMinute(e.written(), e.start()),
                    e.id()));
        }
    }

    /**
     * Which unfinished executions run now, on any machine: those whose job instance lock a session holds. The others
     * were left by a process that died, and the next run of their job resumes them.
     */
    private static void runningOnPostgres(
            JobDatabase db, List<ExecutionHistory.Execution> executions, PrintWriter out) {
        List<String> lines = new ArrayList<>();
        try (Connection connection = ExecutionHistory.open(db)) {
            for (ExecutionHistory.Execution e : executions) {
                if (!UNFINISHED.contains(e.status())) {
                    continue;
                }
                Optional<InstanceLock.Holder> holder = InstanceLock.holder(connection, e.job(), e.parameters());
                if (holder.isPresent()) {
                    lines.add("Execution " + e.id() + " (" + e.job() + " " + parameters(e.parameters())
                            + ") is running now in " + holder.get().describe() + ":");
                    lines.add(String.format(
                            Locale.ROOT,
                            "  %d answered, %d failed, %.1f records/min",
                            e.answered(),
                            e.failed(),
                            perMinute(e.written(), e.start())));
                } else {
                    lines.add("Execution " + e.id() + " (" + e.job() + " " + parameters(e.parameters()) + ") is "
                            + e.status() + " but not running (the process is gone; the next run resumes it).");
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the job database " + db.display() + ": " + e.getMessage(), e);
        }
        if (!lines.isEmpty()) {
            out.println();
            lines.forEach(out::println);
        }
    }

    private static double perMinute(long records, LocalDateTime since) {
        long seconds =
                since == null ? 0 : Duration.between(since, LocalDateTime.now()).toSeconds();
        return records * 60.0 / Math.max(1, seconds);
    }

    private static String parameters(Map<String, String> parameters) {
        String text = ParameterText.of(parameters, ",");
        return text.isEmpty() ? "-" : text;
    }

    private static String time(LocalDateTime time) {
        return time == null ? "-" : TIME.format(time);
    }
}

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The PromptBatch throughput benchmark. Runs each scenario's client in its own process against the simulator in
 * another, then prints the results as markdown and writes them to WORK/results.md. Started by bench/run; see
 * bench/README.md.
 *
 * <p>Usage: {@code Bench --jar JAR --work DIR [--command TEXT] [--revision TEXT] [--quick] [a b c d e f g h i j
 * k]}. Env {@code BENCH_JAVA_OPTS}: options for the measured JVMs, e.g. {@code -Xmx256m}; {@code
 * BENCH_POSTGRES_URL}: the PostgreSQL for i's job repository, instead of one the harness starts. Exit 1 if a run is
 * broken.
 */
public final class Bench {

    /** Requests that warm an instant simulator up before the first measured run. */
    private static final int SIMULATOR_WARM_UP = 5_000;

    private record Options(Path jar, Path work, String command, String revision, boolean quick,
                           Set<Character> letters) {

        static Options parse(String[] args) {
            Path jar = null;
            Path work = null;
            String command = "bench/run";
            String revision = "unknown";
            boolean quick = false;
            Set<Character> letters = new LinkedHashSet<>();
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--jar" -> jar = Path.of(args[++i]).toAbsolutePath();
                    case "--work" -> work = Path.of(args[++i]).toAbsolutePath();
                    case "--command" -> command = args[++i];
                    case "--revision" -> revision = args[++i];
                    case "--quick" -> quick = true;
                    default -> {
                        if (!args[i].matches("[a-k]")) {
                            throw new IllegalArgumentException("unknown argument " + args[i]
                                    + "; scenarios are a, b, c, d, e, f, g, h, i, j, k");
                        }
                        letters.add(args[i].charAt(0));
                    }
                }
            }
            if (jar == null || work == null) {
                throw new IllegalArgumentException("--jar and --work are required");
            }
            return new Options(jar, work, command, revision, quick, letters);
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        // On Ctrl-C, stop the simulator and the measured child too: they are this process's own children.
        Runtime.getRuntime().addShutdownHook(new Thread(
                () -> ProcessHandle.current().children().forEach(ProcessHandle::destroy)));
        List<String> jvmOptions = jvmOptions();
        Optional<String> medianTokensOption = SimulatorProcess.medianTokensOption(options.jar());
        if (medianTokensOption.isEmpty()) {
            log("WARNING: this simulate has no --median-tokens/--length-sigma: answers are lognormal with its "
                    + "default sigma 0.5, not 1");
        }
        List<Scenario> plan = Scenario.plan(options.quick(), options.letters());
        List<FleetScenario> fleetPlan = FleetScenario.plan(options.quick(), options.letters());
        boolean postgresPlanned = plan.stream().anyMatch(Scenario::postgres);
        List<String> context;
        List<RunResult> results;
        try (PostgresJobDatabase postgres = postgres(plan, options)) {
            if (postgres == null) {
                plan = plan.stream().filter(s -> !s.postgres()).toList();
            }
            context = context(options, plan, fleetPlan, jvmOptions, medianTokensOption);
            if (postgres != null) {
                // Without its parameters: a URL may carry a password there.
                context.add("Job repository of i-postgres: " + postgres.description() + ", `--db "
                        + postgres.url().replaceFirst("\\?.*", "") + "`");
            } else if (postgresPlanned) {
                context.add("**i-postgres not run: no PostgreSQL could be started (see the harness's warning); set "
                        + PostgresJobDatabase.URL_VARIABLE + " to use an existing one.**");
            }
            results = run(plan, options, jvmOptions, medianTokensOption, postgres);
        }
        List<FleetResult> fleetResults = runFleets(fleetPlan, options, jvmOptions, medianTokensOption);

        String title = (options.quick() ? "Quick run (small sizes: a smoke test, not the benchmark)" : "Full run")
                + ", " + Machine.current().date();
        String markdown = Report.markdown(title, context, results, fleetResults, options.quick());
        Files.writeString(options.work().resolve("results.md"), markdown);
        System.out.println();
        System.out.print(markdown);
        log("written to " + options.work().resolve("results.md"));
        System.exit(results.stream().allMatch(RunResult::sound) && fleetResults.stream().allMatch(FleetResult::sound)
                ? 0 : 1);
    }

    /** Runs the fleet scenarios one after the other, each against simulators of its own. */
    private static List<FleetResult> runFleets(List<FleetScenario> plan, Options options, List<String> jvmOptions,
                                               Optional<String> medianTokensOption)
            throws IOException, InterruptedException {
        FleetRunner runner = new FleetRunner(options.jar(), options.work(), jvmOptions, medianTokensOption);
        List<FleetResult> results = new ArrayList<>();
        for (FleetScenario scenario : plan) {
            log(String.format(Locale.ROOT, "%s: PromptBatch, %,d records, %s ...", scenario.id(), scenario.records(),
                    scenario.fleet().describe()));
            FleetResult result = runner.run(scenario);
            log(String.format(Locale.ROOT, "%s: %.1f s wall, efficiency %s, peak RSS %d MiB%s%s", scenario.id(),
                    RunResult.seconds(result.measurement().wallNanos()),
                    result.kill() == null ? String.format(Locale.ROOT, "%.3f", result.efficiency())
                            : String.format(Locale.ROOT, "%.3f after the kill", result.remainingEfficiency()),
                    result.measurement().peakRssBytes() >> 20,
                    result.sound() ? "" : " -- BROKEN: " + String.join("; ", result.problems()),
                    result.noisy() ? String.format(Locale.ROOT, " (noisy: other processes took %.1f s CPU)",
                            RunResult.seconds(result.otherCpuNanos())) : ""));
            results.add(result);
        }
        return results;
    }

    /**
     * The PostgreSQL of the plan's PostgreSQL scenarios; null when none is planned, or when none can be had: then
     * the harness says why and those scenarios are left out.
     */
    private static PostgresJobDatabase postgres(List<Scenario> plan, Options options) throws InterruptedException {
        if (plan.stream().noneMatch(Scenario::postgres)) {
            return null;
        }
        try {
            PostgresJobDatabase postgres = PostgresJobDatabase.start(options.jar().getParent().getParent(),
                    options.work());
            log("PostgreSQL for the job repository: " + postgres.description());
            return postgres;
        } catch (IOException e) {
            log("WARNING: skipping i-postgres: no PostgreSQL (" + e.getMessage() + "). Set "
                    + PostgresJobDatabase.URL_VARIABLE + "=jdbc:postgresql://HOST:PORT/DATABASE (and "
                    + "PROMPTBATCH_DB_USER, PROMPTBATCH_DB_PASSWORD) to use an existing server.");
            return null;
        }
    }

    /** Runs the plan one simulator at a time (each started once), and returns the results in the plan's order. */
    private static List<RunResult> run(List<Scenario> plan, Options options, List<String> jvmOptions,
                                       Optional<String> medianTokensOption, PostgresJobDatabase postgres)
            throws IOException, InterruptedException {
        ScenarioRunner runner = new ScenarioRunner(options.jar(), options.work(), jvmOptions, postgres);
        RunResult[] results = new RunResult[plan.size()];
        for (SimulatorProfile profile : SimulatorProfile.values()) {
            if (plan.stream().noneMatch(s -> s.simulator() == profile)) {
                continue;
            }
            Path log = options.work().resolve("logs").resolve("simulator-" + profile.name().toLowerCase(Locale.ROOT)
                    + ".log");
            try (SimulatorProcess simulator = SimulatorProcess.start(options.jar(),
                    profile.arguments(medianTokensOption), log)) {
                log("simulator " + profile.description + " on " + simulator.baseUrl());
                if (!profile.paced) {
                    simulator.warmUp(SIMULATOR_WARM_UP, 16); // paced answers take far longer than its JIT
                }
                for (int i = 0; i < plan.size(); i++) {
                    if (plan.get(i).simulator() == profile) {
                        results[i] = runOne(runner, plan.get(i), simulator);
                    }
                }
            }
        }
        return Arrays.asList(results);
    }

    private static RunResult runOne(ScenarioRunner runner, Scenario scenario, SimulatorProcess simulator)
            throws IOException, InterruptedException {
        log(String.format(Locale.ROOT, "%s: %s, %,d records, concurrency %s ...", scenario.id(),
                scenario.client().label, scenario.records(),
                scenario.autoConcurrency() ? "auto" : Integer.toString(scenario.concurrency())));
        RunResult result = runner.run(scenario, simulator);
        log(String.format(Locale.ROOT, "%s: %.1f s wall, efficiency %.3f, %,.0f records/s, peak RSS %d MiB%s%s",
                scenario.id(), RunResult.seconds(result.measurement().wallNanos()), result.stats().efficiency(),
                result.recordsPerSecond(), result.measurement().peakRssBytes() >> 20,
                result.stats().busyAnswers() > 0
                        ? String.format(Locale.ROOT, ", %,d busy answers", result.stats().busyAnswers()) : "",
                result.sound() ? "" : " -- BROKEN: " + String.join("; ", result.problems()))
                + (result.noisy() ? String.format(Locale.ROOT, " (noisy: other processes took %.1f s CPU)",
                        RunResult.seconds(result.otherCpuNanos())) : ""));
        return result;
    }

    private static List<String> context(Options options, List<Scenario> plan, List<FleetScenario> fleetPlan,
                                        List<String> jvmOptions, Optional<String> medianTokensOption) {
        List<String> lines = new ArrayList<>();
        lines.add("Machine: " + Machine.current().describe());
        lines.add("Command: `" + options.command() + "` at revision " + options.revision());
        for (SimulatorProfile profile : SimulatorProfile.values()) {
            List<String> ids = plan.stream().filter(s -> s.simulator() == profile).map(Scenario::id).toList();
            if (!ids.isEmpty()) {
                lines.add("Simulator for " + String.join(", ", ids) + ": `simulate "
                        + String.join(" ", profile.arguments(medianTokensOption)) + "` (" + profile.description
                        + (profile.paced ? "" : String.format(Locale.ROOT,
                                "; warmed up with %,d throwaway requests before the first run", SIMULATOR_WARM_UP))
                        + ")");
                if (profile.needsLengthOptions() && medianTokensOption.isEmpty()) {
                    lines.add("**This simulator has no --length-sigma: lengths are lognormal with sigma 0.5, "
                            + "not 1; the heavy tail is lighter than the issue asks.**");
                }
            }
        }
        for (FleetProfile fleet : FleetProfile.values()) {
            List<String> ids = fleetPlan.stream().filter(s -> s.fleet() == fleet).map(FleetScenario::id).toList();
            if (!ids.isEmpty()) {
                lines.add("Simulators for " + String.join(", ", ids) + ", each in its own process: " + String.join(
                        "; ", fleet.servers.stream().map(server -> "`simulate "
                                + String.join(" ", server.arguments(medianTokensOption)) + "`").toList())
                        + " (" + fleet.describe() + "; PromptBatch given each with its slots as its concurrency)");
            }
        }
        lines.add("Measured JVMs: default options" + (jvmOptions.isEmpty() ? "" : " plus " + String.join(" ",
                jvmOptions)) + ", and -Xlog:gc for the heap figures");
        return lines;
    }

    private static List<String> jvmOptions() {
        String value = System.getenv().getOrDefault("BENCH_JAVA_OPTS", "").trim();
        return value.isEmpty() ? List.of() : List.of(value.split("\\s+"));
    }

    private static void log(String message) {
        System.err.println("[bench] " + message);
    }
}

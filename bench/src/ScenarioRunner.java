import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Runs one scenario: its input, its client as a child process, the simulator's record of it, and the checks. */
final class ScenarioRunner {

    private static final Pattern MANIFEST_CONCURRENCY = Pattern.compile("\"concurrency\"\\s*:\\s*(\\d+)");

    private final Path jar;
    private final Path work;
    private final List<String> jvmOptions;
    /** Where the PostgreSQL scenarios keep their job repository; null when none is planned. */
    private final PostgresJobDatabase postgres;

    /**
     * @param jvmOptions options for every measured JVM (PromptBatch and the thread-pool client alike)
     * @param postgres   the job database of the PostgreSQL scenarios, null when none is planned
     */
    ScenarioRunner(Path jar, Path work, List<String> jvmOptions, PostgresJobDatabase postgres) {
        this.jar = jar;
        this.work = work;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.postgres = postgres;
    }

    RunResult run(Scenario scenario, SimulatorProcess simulator) throws IOException, InterruptedException {
        Path input = Inputs.csv(work.resolve("inputs"), scenario.records());
        Path dir = emptyDirectory(work.resolve("runs").resolve(scenario.id()));
        Path output = dir.resolve("output.jsonl");
        List<String> arguments = switch (scenario.client()) {
            case PROMPTBATCH -> promptBatch(scenario, simulator, input, output, dir);
            case THREAD_POOL -> threadPool(scenario, simulator, input, output);
        };
        simulator.reset();
        long simulatorCpu = simulator.cpuNanos();
        long machineBusy = ProcFs.machineBusyNanos();
        Map<String, String> environment = scenario.postgres() ? postgres.environment() : Map.of();
        MeasuredProcess.Measurement measurement;
        double warmRecordsPerSecond = Double.NaN;
        if (scenario.simulator().paced) {
            measurement = MeasuredProcess.run(jvmOptions, arguments, environment, dir, timeout(scenario));
        } else {
            // Against an instant server, the client's own cost: measured on the second half of the output too,
            // past its JIT warm-up and first chunks.
            try (OutputProgress progress = OutputProgress.start(output, scenario.records() / 2,
                    scenario.records())) {
                measurement = MeasuredProcess.run(jvmOptions, arguments, environment, dir, timeout(scenario));
                warmRecordsPerSecond = progress.warmRecordsPerSecond();
            }
        }
        simulatorCpu = simulator.cpuNanos() - simulatorCpu;
        long otherCpu = ProcFs.machineBusyNanos() - machineBusy - measurement.cpuNanos() - simulatorCpu;
        ServerStats stats = simulator.stats();
        return new RunResult(scenario, measurement, stats, nominalIdeal(scenario, output, stats), simulatorCpu,
                Math.max(0, otherCpu), busyLine(dir.resolve("stdout.txt")),
                problems(scenario, measurement, stats, output, dir),
                scenario.autoConcurrency() ? settledConcurrency(dir) : 0,
                scenario.autoConcurrency() ? settledLine(dir) : "", warmRecordsPerSecond);
    }

    /** {@code java -jar promptbatch.jar run SPEC}, with a fresh database so that nothing is resumed. */
    private List<String> promptBatch(Scenario scenario, SimulatorProcess simulator, Path input, Path output, Path dir)
            throws IOException {
        Path spec = dir.resolve("spec.yaml");
        Files.writeString(spec, String.join("\n",
                "name: bench-" + scenario.id(),
                "input: \"" + input + "\"",
                "model: " + SimulatorProfile.MODEL,
                "prompt: \"{{text}}\"",
                "options: {seed: 1}   # reproducible answers: every client gets the same lengths",
                "output: \"" + output + "\"",
                "concurrency: " + (scenario.autoConcurrency() ? "auto" : scenario.concurrency()),
                ""));
        String database = scenario.postgres() ? postgres.url() : dir.resolve("db").toString();
        return List.of("-jar", jar.toString(), "run", spec.toString(), "--base-url", simulator.baseUrl().toString(),
                "--db", database, "--new-run");
    }

    /** The level {@code concurrency: auto} ran with: the manifest's first server's {@code concurrency}. */
    private static int settledConcurrency(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            Optional<Path> manifest = files.filter(f -> f.getFileName().toString().endsWith(".manifest.json"))
                    .findFirst();
            if (manifest.isEmpty()) {
                return 0;
            }
            String json = Files.readString(manifest.get());
            int servers = json.indexOf("\"servers\"");
            Matcher concurrency = MANIFEST_CONCURRENCY.matcher(json);
            return servers >= 0 && concurrency.find(servers) ? Integer.parseInt(concurrency.group(1)) : 0;
        }
    }

    /** PromptBatch's own account of what {@code concurrency: auto} chose, from its log; empty if none. */
    private static String settledLine(Path dir) throws IOException {
        for (String name : List.of("stdout.txt", "stderr.txt")) {
            Path log = dir.resolve(name);
            if (Files.exists(log)) {
                try (Stream<String> lines = Files.lines(log)) {
                    Optional<String> line = lines.filter(l -> l.contains("Concurrency for") && l.contains("settled at"))
                            .findFirst();
                    if (line.isPresent()) {
                        return line.get().substring(line.get().indexOf("Concurrency for")).trim();
                    }
                }
            }
        }
        return "";
    }

    /** The harness's own classes hold the client; it runs in its own JVM, like PromptBatch. */
    private List<String> threadPool(Scenario scenario, SimulatorProcess simulator, Path input, Path output) {
        return List.of("-cp", System.getProperty("java.class.path"), ThreadPoolClient.class.getName(),
                simulator.baseUrl().toString(), SimulatorProfile.MODEL, input.toString(), output.toString(),
                Integer.toString(scenario.concurrency()));
    }

    /** PromptBatch's own account of a busy server, the line its summary prints; empty if it printed none. */
    private static String busyLine(Path stdout) throws IOException {
        if (!Files.exists(stdout)) {
            return "";
        }
        try (Stream<String> lines = Files.lines(stdout)) {
            return lines.filter(line -> line.startsWith("Server busy:")).findFirst().orElse("");
        }
    }

    /** The ideal from the answers' own durations; 0 where answers take no time, or there are none. */
    private static long nominalIdeal(Scenario scenario, Path output, ServerStats stats) throws IOException {
        return scenario.simulator().paced && Files.exists(output)
                ? Outputs.nominalSlotNanos(output) / stats.parallel() : 0;
    }

    /**
     * A benchmark of a broken run is worthless: every record must be answered once, with one request beside those
     * the server left unanswered.
     */
    private static List<String> problems(Scenario scenario, MeasuredProcess.Measurement measurement,
                                         ServerStats stats, Path output, Path dir) throws IOException {
        List<String> problems = new ArrayList<>();
        int records = scenario.records();
        if (measurement.timedOut()) {
            problems.add("timed out");
        } else if (measurement.exitCode() != 0) {
            problems.add("exit " + measurement.exitCode() + " (see " + dir.resolve("stderr.txt") + ")");
        }
        long lines = Outputs.lineCount(output);
        if (lines != records) {
            problems.add(lines + " output lines");
        }
        if (Files.exists(dir.resolve("output.errors.jsonl"))) {
            problems.add("errors file written");
        }
        if (stats.distinctPrompts() != records) {
            problems.add(stats.distinctPrompts() + " records reached the server");
        }
        // A prompt may reach the server again only after a request for it went unanswered (busy, or dropped).
        if (stats.repeatedRequests() > 0) {
            problems.add(stats.repeatedRequests() + " requests repeated");
        }
        if (stats.unanswered() > 0) {
            problems.add(stats.unanswered() + " records never answered by the server");
        }
        return problems;
    }

    /** Generous: a run that is merely slow is still measured; only a hung one is stopped. */
    private static Duration timeout(Scenario scenario) {
        return Duration.ofMinutes(10).plusMillis(5L * scenario.records());
    }

    static Path emptyDirectory(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
        return Files.createDirectories(dir);
    }
}

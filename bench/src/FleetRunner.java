import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Runs one fleet scenario: a simulator process per server, PromptBatch given all of them in its spec's
 * {@code servers:}, and, for k, one of them SIGKILLed once the share of records is answered.
 */
final class FleetRunner {

    /** How often the kill watch reads the simulators' figures. */
    private static final long WATCH_MILLIS = 100;

    private final Path jar;
    private final Path work;
    private final List<String> jvmOptions;
    private final Optional<String> medianTokensOption;

    FleetRunner(Path jar, Path work, List<String> jvmOptions, Optional<String> medianTokensOption) {
        this.jar = jar;
        this.work = work;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.medianTokensOption = medianTokensOption;
    }

    FleetResult run(FleetScenario scenario) throws IOException, InterruptedException {
        Path input = Inputs.csv(work.resolve("inputs"), scenario.records());
        Path dir = ScenarioRunner.emptyDirectory(work.resolve("runs").resolve(scenario.id()));
        Path output = dir.resolve("output.jsonl");
        List<FleetServer> fleet = scenario.fleet().servers;
        List<SimulatorProcess> simulators = new ArrayList<>();
        try {
            // Fresh simulators for every scenario: k kills one of them.
            for (int i = 0; i < fleet.size(); i++) {
                simulators.add(SimulatorProcess.start(jar, fleet.get(i).arguments(medianTokensOption),
                        work.resolve("logs").resolve("simulator-" + scenario.id() + "-" + fleet.get(i).label()
                                + ".log")));
            }
            return measure(scenario, simulators, input, output, dir);
        } finally {
            simulators.forEach(SimulatorProcess::close);
        }
    }

    private FleetResult measure(FleetScenario scenario, List<SimulatorProcess> simulators, Path input, Path output,
                                Path dir) throws IOException, InterruptedException {
        List<FleetServer> fleet = scenario.fleet().servers;
        Path spec = writeSpec(scenario, simulators, input, output, dir);
        List<String> arguments = List.of("-jar", jar.toString(), "run", spec.toString(), "--db",
                dir.resolve("db").toString(), "--new-run");
        long[] cpuBefore = new long[simulators.size()];
        for (int i = 0; i < simulators.size(); i++) {
            simulators.get(i).reset();
            cpuBefore[i] = simulators.get(i).cpuNanos();
        }
        long machineBusy = ProcFs.machineBusyNanos();
        KillWatch watch = scenario.kill() == null ? null : new KillWatch(scenario, simulators);
        Thread watcher = null;
        if (watch != null) {
            watcher = new Thread(watch, "kill-watch");
            watcher.setDaemon(true);
            watcher.start();
        }
        MeasuredProcess.Measurement measurement = MeasuredProcess.run(jvmOptions, arguments, dir,
                Duration.ofMinutes(10).plusMillis(5L * scenario.records()));
        if (watcher != null) {
            watch.stop();
            watcher.join();
        }

        List<FleetResult.ServerRun> servers = new ArrayList<>();
        Map<String, Integer> answeredByPrompt = new HashMap<>();
        long simulatorsCpu = 0;
        for (int i = 0; i < simulators.size(); i++) {
            SimulatorProcess simulator = simulators.get(i);
            boolean killed = watch != null && watch.killed() && watch.victim() == i;
            ServerStats stats;
            long cpu;
            if (killed) {
                stats = ServerStats.parse(watch.victimJson());
                cpu = watch.victimCpuNanos() - cpuBefore[i];
            } else {
                String json = simulator.statsJson();
                stats = ServerStats.parse(json);
                ServerStats.answeredByPrompt(json).forEach((prompt, n) -> answeredByPrompt.merge(prompt, n,
                        Integer::sum));
                cpu = simulator.cpuNanos() - cpuBefore[i];
            }
            simulatorsCpu += cpu;
            servers.add(new FleetResult.ServerRun(fleet.get(i), simulator.baseUrl(), stats,
                    watch != null && watch.killed() && !killed ? watch.atKill(i) : null, killed, cpu));
        }
        long otherCpu = ProcFs.machineBusyNanos() - machineBusy - measurement.cpuNanos() - simulatorsCpu;
        Outputs.FleetTally tally = Outputs.tallyByServer(output);
        FleetResult.KillRecord kill = watch != null && watch.killed()
                ? new FleetResult.KillRecord(watch.atNanos(), watch.answeredAtKill()) : null;
        String notAnswering = kill == null ? "" : notAnsweringLine(dir, servers.get(scenario.kill().server()));
        return new FleetResult(scenario, measurement, List.copyOf(servers), kill, tally, Math.max(0, otherCpu),
                notAnswering, problems(scenario, measurement, servers, answeredByPrompt, tally, watch, dir));
    }

    /** The job: every server with its slots as its bound, the same model, prompts and options as a. */
    private static Path writeSpec(FleetScenario scenario, List<SimulatorProcess> simulators, Path input,
                                  Path output, Path dir) throws IOException {
        List<String> lines = new ArrayList<>(List.of(
                "name: bench-" + scenario.id(),
                "input: \"" + input + "\"",
                "model: " + SimulatorProfile.MODEL,
                "prompt: \"{{text}}\"",
                "options: {seed: 1}   # reproducible answers: every run gets the same lengths",
                "output: \"" + output + "\"",
                "servers:"));
        for (int i = 0; i < simulators.size(); i++) {
            lines.add("  - url: " + Outputs.withoutTrailingSlash(simulators.get(i).baseUrl().toString()));
            lines.add("    concurrency: " + scenario.fleet().servers.get(i).slots());
        }
        lines.add("");
        Path spec = dir.resolve("spec.yaml");
        Files.writeString(spec, String.join("\n", lines));
        return spec;
    }

    /** PromptBatch's warning that the killed server is not answering (it logs to stderr); empty if it gave none. */
    private static String notAnsweringLine(Path dir, FleetResult.ServerRun killed) throws IOException {
        String address = killed.url().getHost() + ":" + killed.url().getPort();
        for (String file : List.of("stderr.txt", "stdout.txt")) {
            Path log = dir.resolve(file);
            if (!Files.exists(log)) {
                continue;
            }
            try (Stream<String> lines = Files.lines(log)) {
                Optional<String> line = lines.filter(l -> l.contains("is not answering") && l.contains(address))
                        .findFirst();
                if (line.isPresent()) {
                    return line.get().trim();
                }
            }
        }
        return "";
    }

    /**
     * Every record answered once over all servers. The killed server's figures end before its kill, so for k the
     * servers left must have answered exactly the records the output does not attribute to the killed one.
     */
    private static List<String> problems(FleetScenario scenario, MeasuredProcess.Measurement measurement,
                                         List<FleetResult.ServerRun> servers, Map<String, Integer> answeredByPrompt,
                                         Outputs.FleetTally tally, KillWatch watch, Path dir) {
        List<String> problems = new ArrayList<>();
        int records = scenario.records();
        if (measurement.timedOut()) {
            problems.add("timed out");
        } else if (measurement.exitCode() != 0) {
            problems.add("exit " + measurement.exitCode() + " (see " + dir.resolve("stderr.txt") + ")");
        }
        if (tally.lines() != records) {
            problems.add(tally.lines() + " output lines");
        }
        if (tally.distinctIds() != tally.lines()) {
            problems.add(tally.distinctIds() + " distinct ids in " + tally.lines() + " output lines");
        }
        if (Files.exists(dir.resolve("output.errors.jsonl"))) {
            problems.add("errors file written");
        }
        if (tally.withoutServer() > 0) {
            problems.add(tally.withoutServer() + " output lines without a server");
        }
        long attributed = servers.stream().mapToLong(s -> tally.of(s.display()).answers()).sum();
        if (attributed != tally.lines() - tally.withoutServer()) {
            problems.add((tally.lines() - tally.withoutServer() - attributed)
                    + " output lines name a server not in the fleet");
        }
        if (scenario.kill() != null && (watch == null || !watch.killed())) {
            problems.add("no server was killed: the run ended before " + percent(scenario.kill().atShare())
                    + " of the records were answered");
        }
        long repeated = answeredByPrompt.values().stream().filter(n -> n > 1).mapToLong(n -> n - 1).sum();
        if (repeated > 0) {
            problems.add(repeated + " requests repeated");
        }
        long answered = answeredByPrompt.values().stream().filter(n -> n > 0).count();
        long byKilled = servers.stream().filter(FleetResult.ServerRun::killed)
                .mapToLong(s -> tally.of(s.display()).answers()).sum();
        if (answered + byKilled != records) {
            problems.add(scenario.kill() == null
                    ? answered + " records answered by the servers"
                    : answered + " records answered by the servers left and " + byKilled
                            + " by the killed one before its kill");
        }
        return problems;
    }

    private static String percent(double share) {
        return String.format(Locale.ROOT, "%.0f%%", share * 100);
    }

    /**
     * Reads the simulators' figures every 100 ms; once the servers together have answered the share of the records,
     * takes the victim's last figures, SIGKILLs it, and takes the others' figures at that moment (the start of "the
     * remaining time").
     */
    private static final class KillWatch implements Runnable {

        private final List<SimulatorProcess> simulators;
        private final int victim;
        private final long threshold;
        private volatile boolean stopped;
        private volatile boolean killed;
        private volatile long atNanos;
        private volatile long answeredAtKill;
        private volatile String victimJson;
        private volatile long victimCpuNanos;
        private final Map<Integer, ServerStats> atKill = new HashMap<>();

        KillWatch(FleetScenario scenario, List<SimulatorProcess> simulators) {
            this.simulators = simulators;
            this.victim = scenario.kill().server();
            this.threshold = (long) Math.ceil(scenario.kill().atShare() * scenario.records());
        }

        @Override
        public void run() {
            try {
                while (!stopped) {
                    long answered = 0;
                    for (SimulatorProcess simulator : simulators) {
                        answered += simulator.stats().answeredRequests();
                    }
                    if (answered >= threshold) {
                        kill(answered);
                        return;
                    }
                    Thread.sleep(WATCH_MILLIS);
                }
            } catch (IOException e) {
                System.err.println("[bench] kill watch: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void kill(long answered) throws IOException, InterruptedException {
            SimulatorProcess target = simulators.get(victim);
            victimJson = target.statsJson();
            victimCpuNanos = target.cpuNanos();
            atNanos = System.nanoTime();
            target.kill();
            // Slot-busy time counts when an answer ends: answers under way at the kill count wholly after it, which
            // overstates the work after the kill by at most one partial answer per slot.
            synchronized (atKill) {
                for (int i = 0; i < simulators.size(); i++) {
                    if (i != victim) {
                        atKill.put(i, simulators.get(i).stats());
                    }
                }
            }
            answeredAtKill = answered;
            killed = true;
            System.err.printf(Locale.ROOT, "[bench] killed the server at %s (%,d requests answered)%n",
                    target.baseUrl(), answered);
        }

        void stop() {
            stopped = true;
        }

        boolean killed() {
            return killed;
        }

        int victim() {
            return victim;
        }

        long atNanos() {
            return atNanos;
        }

        long answeredAtKill() {
            return answeredAtKill;
        }

        String victimJson() {
            return victimJson;
        }

        long victimCpuNanos() {
            return victimCpuNanos;
        }

        ServerStats atKill(int server) {
            synchronized (atKill) {
                return atKill.get(server);
            }
        }
    }
}

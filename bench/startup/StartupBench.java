import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Start-up of one PromptBatch run, from the process's start to its first request, in phases. See bench/README.md,
 * "Start-up". Plain JDK, run as a source file: {@code java bench/startup/StartupBench.java WORK RUNS LABEL -- CMD...}.
 *
 * <p>The simulator must already run (its URL in {@code SIMULATOR_URL}); every run gets a fresh directory, a one-record
 * job and a fresh job database. The phases come from the child's log, written with millisecond timestamps by
 * bench/startup/logback.xml, and from the simulator's first generate request (System.nanoTime, CLOCK_MONOTONIC like
 * this process's marks). With {@code STARTUP_PHASES=off} the child runs without that log, and only the total and
 * the CPU time are measured.
 */
public final class StartupBench {
    private static final Pattern STAMP = Pattern.compile("^(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) ");
    private static final Pattern FIRST_REQUEST = Pattern.compile("\"firstRequestNanos\":(\\d+)");
    private static final String[] PHASES = {
        "JVM, jar, command line", "Spring context", "job repository", "resume check + preflight", "first request"
    };

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        int runs = Integer.parseInt(args[1]);
        String label = args[2];
        List<String> command = List.of(args).subList(4, args.length);
        URI simulator = URI.create(System.getenv("SIMULATOR_URL"));
        boolean marked = !"off".equals(System.getenv("STARTUP_PHASES"));
        HttpClient http = HttpClient.newHttpClient();
        List<double[]> results = new ArrayList<>();
        for (int i = 1; i <= runs; i++) {
            Path dir = work.resolve(label.replaceAll("[^A-Za-z0-9.-]", "_") + "-" + i);
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("in.csv"), "id,text\n1,item 1\n");
            Files.writeString(
                    dir.resolve("spec.yaml"),
                    "name: startup\ninput: in.csv\nid-field: id\nmodel: bench:1b\nprompt: \"{{text}}\"\n"
                            + "options: {seed: 1}\noutput: out.jsonl\nconcurrency: 1\n");
            send(http, HttpRequest.newBuilder(simulator.resolve("/_simulator/reset"))
                    .POST(HttpRequest.BodyPublishers.noBody()));
            List<String> full = new ArrayList<>(command);
            full.addAll(List.of("run", "spec.yaml", "--base-url", simulator.toString(), "--db", "db", "--new-run"));
            ProcessBuilder builder = new ProcessBuilder(full)
                    .directory(dir.toFile())
                    .redirectOutput(dir.resolve("stdout").toFile())
                    .redirectError(dir.resolve("stderr").toFile());
            long cpuBefore = childrenCpuTicks();
            long launchMillis = System.currentTimeMillis();
            long launchNanos = System.nanoTime();
            int exit = builder.start().waitFor();
            double cpu = (childrenCpuTicks() - cpuBefore) * 10.0;
            String stats = send(http, HttpRequest.newBuilder(simulator.resolve("/_simulator/stats")).GET());
            Matcher first = FIRST_REQUEST.matcher(stats);
            if (exit != 0 || !first.find() || Long.parseLong(first.group(1)) == 0) {
                throw new IllegalStateException("run " + dir + " failed (exit " + exit + "): see its stderr");
            }
            double firstRequest = (Long.parseLong(first.group(1)) - launchNanos) / 1e6;
            double[] phases = Arrays.copyOf(
                    marked
                            ? phases(Files.readAllLines(dir.resolve("stderr")), launchMillis, firstRequest, dir)
                            : unmarked(firstRequest),
                    PHASES.length + 2);
            phases[PHASES.length + 1] = cpu;
            results.add(phases);
            System.err.printf("[startup] %s run %d: %s%n", label, i, Arrays.toString(phases));
        }
        double[] medians = new double[PHASES.length + 2];
        for (int p = 0; p < medians.length; p++) {
            final int index = p;
            double[] values = results.stream().mapToDouble(r -> r[index]).sorted().toArray();
            medians[p] = values.length % 2 == 1
                    ? values[values.length / 2]
                    : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
        }
        StringBuilder row = new StringBuilder("| " + label + " | " + runs);
        for (double median : medians) {
            row.append(Double.isNaN(median) ? " | –" : String.format(" | %.2f", median / 1000));
        }
        double best = results.stream().mapToDouble(r -> r[PHASES.length]).min().orElseThrow();
        System.out.println(row.append(String.format(" | %.2f |", best / 1000)));
    }

    /** Without the marks in the log, only the total. */
    private static double[] unmarked(double firstRequest) {
        double[] phases = new double[PHASES.length + 1];
        Arrays.fill(phases, Double.NaN);
        phases[PHASES.length] = firstRequest;
        return phases;
    }

    /** The phases in ms and, last, the total: from launch to the simulator's first generate request. */
    private static double[] phases(List<String> log, long launchMillis, double firstRequest, Path dir) {
        Map<String, Double> marks = new LinkedHashMap<>();
        for (String line : log) {
            Matcher stamp = STAMP.matcher(line);
            if (!stamp.find()) {
                continue;
            }
            double at = LocalDateTime.parse(stamp.group(1)).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli()
                    - launchMillis;
            if (line.contains(" Starting ") && line.contains(" using Java ")) {
                marks.putIfAbsent("context", at);
            } else if (line.contains("HikariPool-1 - Starting")) {
                marks.putIfAbsent("repository", at);
            } else if (line.contains("HikariPool-1 - Start completed") || line.contains("Executed SQL script")) {
                marks.put("repositoryDone", at);
            } else if (line.contains(" Started ") && line.contains("process running for")) {
                marks.putIfAbsent("contextDone", at);
            } else if (line.contains("RunLauncher Ollama ")) {
                marks.putIfAbsent("preflightDone", at);
            }
        }
        for (String mark : List.of("context", "repository", "repositoryDone", "contextDone", "preflightDone")) {
            if (!marks.containsKey(mark)) {
                throw new IllegalStateException("no '" + mark + "' line in " + dir.resolve("stderr"));
            }
        }
        double repository = marks.get("repositoryDone") - marks.get("repository");
        return new double[] {
            marks.get("context"),
            marks.get("contextDone") - marks.get("context") - repository,
            repository,
            marks.get("preflightDone") - marks.get("contextDone"),
            firstRequest - marks.get("preflightDone"),
            firstRequest
        };
    }

    /**
     * User plus system CPU of this process's reaped children, in clock ticks of 10 ms (/proc/self/stat's cutime and
     * cstime): the kernel adds a child's CPU there when it is reaped, so the difference around one run is that run's.
     */
    private static long childrenCpuTicks() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
    }

    private static String send(HttpClient http, HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response =
                http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() / 100 != 2) {
            throw new IOException(request.build().uri() + " answered " + response.statusCode());
        }
        return response.body();
    }

}

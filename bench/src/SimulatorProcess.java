import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** {@code promptbatch.jar simulate} in its own process, so that it takes no CPU or memory from the measured one. */
final class SimulatorProcess implements AutoCloseable {

    private static final Pattern BASE_URL = Pattern.compile("http://[0-9.]+:\\d+");
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final URI baseUrl;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private SimulatorProcess(Process process, URI baseUrl) {
        this.process = process;
        this.baseUrl = baseUrl;
    }

    /** Starts the simulator on a free port (it picks one with --port 0) and waits until it answers. */
    static SimulatorProcess start(Path jar, List<String> arguments, Path log) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                MeasuredProcess.javaExecutable(), "-jar", jar.toString(), "simulate", "--port", "0"));
        command.addAll(arguments);
        Files.createDirectories(log.getParent());
        Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
        SimulatorProcess simulator = new SimulatorProcess(process, readBaseUrl(process, log));
        simulator.awaitReady();
        return simulator;
    }

    /**
     * The name of {@code simulate}'s median answer length option: --median-tokens, or --mean-tokens in jars built
     * before it was renamed; empty if this simulate has no length options (they were added after the benchmark was
     * written).
     */
    static Optional<String> medianTokensOption(Path jar) throws IOException, InterruptedException {
        Process help = new ProcessBuilder(MeasuredProcess.javaExecutable(), "-jar", jar.toString(), "simulate", "--help")
                .redirectErrorStream(true)
                .start();
        String text = new String(help.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        help.waitFor();
        if (!text.contains("--length-sigma")) {
            return Optional.empty();
        }
        return Stream.of("--median-tokens", "--mean-tokens").filter(text::contains).findFirst();
    }

    /**
     * Sends throwaway requests from a few threads, so that the simulator's own JIT warm-up is not charged to the
     * first client measured against it. Statistics are reset before every run anyway.
     */
    void warmUp(int requests, int threads) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        for (int i = 0; i < requests; i++) {
            String body = "{\"model\":\"" + SimulatorProfile.MODEL + "\",\"prompt\":\"warm-up " + i
                    + "\",\"stream\":false}";
            pool.execute(() -> {
                try {
                    send(HttpRequest.newBuilder(baseUrl.resolve("/api/generate"))
                            .POST(HttpRequest.BodyPublishers.ofString(body)));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(10, TimeUnit.MINUTES);
    }

    URI baseUrl() {
        return baseUrl;
    }

    /** The simulator's CPU time so far: it shares the machine's cores with the measured client. */
    long cpuNanos() {
        return ProcFs.cpuNanos(process.pid()).orElse(0);
    }

    ServerStats stats() throws IOException, InterruptedException {
        return ServerStats.parse(statsJson());
    }

    /** {@code GET /_simulator/stats} as it came, for figures {@link #stats()} does not keep. */
    String statsJson() throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(baseUrl.resolve("/_simulator/stats")).GET());
    }

    /** Forgets the previous run. Nothing is in flight between runs, so every figure starts from zero. */
    void reset() throws IOException, InterruptedException {
        send(HttpRequest.newBuilder(baseUrl.resolve("/_simulator/reset")).POST(HttpRequest.BodyPublishers.noBody()));
    }

    /**
     * SIGKILL, as when a server's machine dies: no answer to what it holds, no connection closed in good order, and
     * every later connection refused. Returns once the process is gone.
     */
    void kill() throws InterruptedException {
        process.destroyForcibly(); // SIGKILL on Linux
        process.waitFor();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** The simulator's first line on stdout names its address; the rest of stdout is drained and dropped. */
    private static URI readBaseUrl(Process process, Path log) throws IOException {
        BufferedReader stdout = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = stdout.readLine();
        Matcher url = BASE_URL.matcher(line == null ? "" : line);
        if (!url.find()) {
            process.destroyForcibly();
            throw new IOException("the simulator did not start (first line: " + line + "); see " + log);
        }
        drain(process.getInputStream());
        return URI.create(url.group());
    }

    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (true) {
            try {
                send(HttpRequest.newBuilder(baseUrl.resolve("/api/version")).GET());
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    throw new IOException("the simulator at " + baseUrl + " does not answer /api/version", e);
                }
                Thread.sleep(200);
            }
        }
    }

    private String send(HttpRequest.Builder builder) throws IOException, InterruptedException {
        HttpRequest request = builder.timeout(Duration.ofSeconds(60)).build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            // A simulator that closes every connection after its response may have closed the pooled one this
            // request went out on; these requests are safe to send twice.
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        }
        if (response.statusCode() != 200) {
            throw new IOException(request.uri() + " answered " + response.statusCode());
        }
        return response.body();
    }

    private static void drain(InputStream stream) {
        Thread drainer = new Thread(() -> {
            try (stream) {
                stream.transferTo(OutputStream.nullOutputStream());
            } catch (IOException e) {
                // the simulator stopped: nothing more to drain
            }
        }, "simulator-stdout");
        drainer.setDaemon(true);
        drainer.start();
    }
}

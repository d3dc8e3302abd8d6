import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scenario e: the simplest batch client a user would write instead of PromptBatch. A fixed pool of N threads; each
 * takes the next CSV record, POSTs it to /api/generate (not streamed) and appends the answer as a JSON line. No
 * retries, no order, no resume: it is the yardstick for speed only.
 *
 * <p>Usage: {@code java -cp bench/work/classes ThreadPoolClient BASE_URL MODEL INPUT.csv OUTPUT.jsonl THREADS}.
 * Exit 0 when every record was answered, 1 otherwise.
 */
public final class ThreadPoolClient {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final URI generate;
    private final String model;
    private final BufferedReader input;
    private final BufferedWriter output;
    private final AtomicInteger failures = new AtomicInteger();

    private ThreadPoolClient(URI baseUrl, String model, BufferedReader input, BufferedWriter output) {
        this.generate = baseUrl.resolve("/api/generate");
        this.model = model;
        this.input = input;
        this.output = output;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: ThreadPoolClient BASE_URL MODEL INPUT.csv OUTPUT.jsonl THREADS");
            System.exit(2);
        }
        int threads = Integer.parseInt(args[4]);
        int failures;
        try (BufferedReader input = Files.newBufferedReader(Path.of(args[2]), StandardCharsets.UTF_8);
             BufferedWriter output = Files.newBufferedWriter(Path.of(args[3]), StandardCharsets.UTF_8)) {
            input.readLine(); // the header
            ThreadPoolClient client = new ThreadPoolClient(URI.create(args[0]), args[1], input, output);
            failures = client.run(threads);
        }
        System.exit(failures == 0 ? 0 : 1);
    }

    /** Runs every record through a pool of {@code threads}; returns how many failed. */
    private int run(int threads) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        for (int i = 0; i < threads; i++) {
            pool.execute(this::work);
        }
        pool.shutdown();
        pool.awaitTermination(Long.MAX_VALUE, TimeUnit.DAYS);
        return failures.get();
    }

    private void work() {
        for (String line = nextLine(); line != null; line = nextLine()) {
            try {
                answer(line);
            } catch (IOException | RuntimeException e) {
                failures.incrementAndGet();
                System.err.println("record " + line + " failed: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private String nextLine() {
        synchronized (input) {
            try {
                return input.readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** One record {@code id,text} (the generated CSV has no quoting) to one output line. */
    private void answer(String line) throws IOException, InterruptedException {
        int comma = line.indexOf(',');
        String id = line.substring(0, comma);
        String prompt = line.substring(comma + 1);
        // The same options as the PromptBatch spec, so the simulator gives each record the same answer length.
        String body = "{\"model\":" + quote(model) + ",\"prompt\":" + quote(prompt)
                + ",\"stream\":false,\"options\":{\"seed\":1}}";
        HttpRequest request = HttpRequest.newBuilder(generate)
                .timeout(Duration.ofMinutes(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("HTTP " + response.statusCode() + ": " + response.body());
        }
        String answer = "{\"id\":" + quote(id) + ",\"answer\":" + response.body().strip() + "}\n";
        synchronized (output) {
            output.write(answer);
        }
    }

    /** A JSON string literal. */
    private static String quote(String text) {
        StringBuilder json = new StringBuilder(text.length() + 2).append('"');
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"').toString();
    }
}

package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import dev.promptbatch.metrics.PrometheusText;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/**
 * The metrics for monitoring, as a monitor reads them: the file parsed by a Prometheus text-format parser, and the
 * Pushgateway's group as a real HTTP server receives it.
 */
class MetricsCommandTest {
    private static final List<String> MODELS = List.of("llama3.2:3b", "qwen2.5:7b");
    private static final List<String> FAMILIES = List.of(
            "promptbatch_last_success_timestamp_seconds",
            "promptbatch_last_run_timestamp_seconds",
            "promptbatch_last_run_status",
            "promptbatch_run_duration_seconds",
            "promptbatch_records_total",
            "promptbatch_generated_tokens_total",
            "promptbatch_cached_answers_total");

    @RegisterExtension
    final SimulatorExtension simulated =
            SimulatorExtension.startedWith(SimulatorTestSettings.instant().withModels(MODELS));

    @TempDir
    Path dir;

    private OllamaSimulator simulator;
    private JobFixture job;

    @BeforeEach
    void writeJob() throws IOException {
        // Record 3 has no "text": a bad record in each model's pass.
        job.write("input/items.jsonl", """
                {"id":"1","text":"one"}
                {"id":"2","text":"two"}
                {"id":"3"}
                {"id":"4","text":"four"}
                {"id":"5","text":"five"}
                """);
        job.write("jobs/nightly.yaml", """
                name: nightly
                input: input/items.jsonl
                id-field: id
                models: [llama3.2:3b, qwen2.5:7b]
                prompt: "Say {{text}}"
                options: {seed: 4}
                output: output/nightly.jsonl
                metrics-file: metrics/nightly.prom
                """);
        Files.createDirectories(dir.resolve("metrics"));
    }

    @Test
    void aSweepWithFailedRecordsWritesOneSeriesPerModelWithItsCountsTokensAndExitCode() throws IOException {
        double before = System.currentTimeMillis() / 1000.0;
        assertThat(job.run("run", "jobs/nightly.yaml")).as(job.err).isEqualTo(3);
        double after = System.currentTimeMillis() / 1000.0;

        Path file = dir.resolve("metrics/nightly.prom");
        PrometheusText metrics = PrometheusText.parse(Files.readString(file));
        assertThat(metrics.names()).containsExactlyInAnyOrderElementsOf(FAMILIES);
        assertThat(metrics.type("promptbatch_records_total")).isEqualTo("COUNTER");
        assertThat(metrics.type("promptbatch_last_run_status")).isEqualTo("GAUGE");
        Map<String, Long> tokens = job.jsonLines("output/nightly.jsonl").stream()
                .collect(Collectors.groupingBy(
                        answer -> answer.get("model").asString(),
                        Collectors.summingLong(
                                answer -> answer.get("eval_count").asLong())));
        for (String model : MODELS) {
            String labels = "job=nightly,model=" + model;
            assertThat(metrics.value("promptbatch_records_total", labels + ",outcome=answered"))
                    .isEqualTo(4);
            assertThat(metrics.value("promptbatch_records_total", labels + ",outcome=failed"))
                    .isEqualTo(1);
            assertThat(metrics.value("promptbatch_generated_tokens_total", labels))
                    .isEqualTo(tokens.get(model).doubleValue())
                    .isPositive();
            assertThat(metrics.value("promptbatch_cached_answers_total", labels))
                    .isZero();
            assertThat(metrics.value("promptbatch_last_run_status", labels)).isEqualTo(3);
            double ended = metrics.value("promptbatch_last_run_timestamp_seconds", labels);
            assertThat(ended).isBetween(before, after);
            assertThat(metrics.value("promptbatch_last_success_timestamp_seconds", labels))
                    .isEqualTo(ended);
            assertThat(metrics.value("promptbatch_run_duration_seconds", labels))
                    .isBetween(0.0, after - before);
        }
        assertThat(metrics.samples("promptbatch_records_total")).hasSize(4);
        // Renamed into place whole, readable by a collector running as another user.
        try (Stream<Path> files = Files.list(dir.resolve("metrics"))) {
            assertThat(files).containsExactly(file);
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-r--r--");
    }

    @Test
    void answersFromTheCacheAreCountedApartAndStillAsAnswered() throws IOException {
        assertThat(job.run("run", "jobs/nightly.yaml", "--cache")).as(job.err).isEqualTo(3);
        PrometheusText first = PrometheusText.parse(Files.readString(dir.resolve("metrics/nightly.prom")));
        simulator.stats().reset();
        assertThat(job.run("run", "jobs/nightly.yaml", "--new-run", "--cache"))
                .as(job.err)
                .isEqualTo(3);
        assertThat(simulator.stats().generateRequests()).isZero();

        PrometheusText second = PrometheusText.parse(Files.readString(dir.resolve("metrics/nightly.prom")));
        assertThat(second.type("promptbatch_cached_answers_total")).isEqualTo("COUNTER");
        assertThat(first.samples("promptbatch_cached_answers_total"))
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("job=nightly,model=llama3.2:3b", 0.0, "job=nightly,model=qwen2.5:7b", 0.0));
        assertThat(second.samples("promptbatch_cached_answers_total"))
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("job=nightly,model=llama3.2:3b", 4.0, "job=nightly,model=qwen2.5:7b", 4.0));
        assertThat(second.samples("promptbatch_records_total"))
                .isEqualTo(first.samples("promptbatch_records_total"))
                .containsEntry("job=nightly,model=llama3.2:3b,outcome=answered", 4.0);
        assertThat(second.samples("promptbatch_generated_tokens_total"))
                .isEqualTo(first.samples("promptbatch_generated_tokens_total"));
    }

    @Test
    void aRunThatFailsKeepsTheLastSuccessOfTheRunBeforeAndRecordsItsOwnEndAndExitCode() throws IOException {
        job.write("input/items.jsonl", """
                {"id":"1","text":"one"}
                {"id":"2","text":"two"}
                """);
        assertThat(job.run("run", "jobs/nightly.yaml")).as(job.err).isZero();
        PrometheusText first = PrometheusText.parse(Files.readString(dir.resolve("metrics/nightly.prom")));
        double succeeded = first.value("promptbatch_last_success_timestamp_seconds", "job=nightly,model=qwen2.5:7b");
        assertThat(first.value("promptbatch_last_run_status", "job=nightly,model=qwen2.5:7b"))
                .isZero();

        // The next night: a bad record and no error budget fail the run.
        job.write("input/items.jsonl", """
                {"id":"1","text":"one"}
                {"id":"2"}
                """);
        job.write("jobs/nightly.yaml", Files.readString(dir.resolve("jobs/nightly.yaml")) + "max-failures: 0\n");
        assertThat(job.run("run", "jobs/nightly.yaml", "--new-run")).as(job.out).isEqualTo(1);

        PrometheusText second = PrometheusText.parse(Files.readString(dir.resolve("metrics/nightly.prom")));
        for (String model : MODELS) {
            String labels = "job=nightly,model=" + model;
            assertThat(second.value("promptbatch_last_success_timestamp_seconds", labels))
                    .isEqualTo(succeeded);
            assertThat(second.value("promptbatch_last_run_status", labels)).isEqualTo(1);
            assertThat(second.value("promptbatch_last_run_timestamp_seconds", labels))
                    .isGreaterThanOrEqualTo(succeeded);
        }
        // The chunk that went over the budget rolled back: the run committed no record.
        assertThat(second.samples("promptbatch_records_total"))
                .containsOnlyKeys(
                        "job=nightly,model=llama3.2:3b,outcome=answered",
                        "job=nightly,model=llama3.2:3b,outcome=failed",
                        "job=nightly,model=qwen2.5:7b,outcome=answered",
                        "job=nightly,model=qwen2.5:7b,outcome=failed");
        assertThat(second.samples("promptbatch_records_total").values()).containsOnly(0.0);
        assertThat(job.lines("output/nightly.jsonl")).isEmpty();
    }

    @Test
    void theGroupIsPutToThePushgatewayAsTheJobsGroupInTheTextFormat() throws IOException {
        List<String> requests = new CopyOnWriteArrayList<>();
        List<String> bodies = new CopyOnWriteArrayList<>();
        HttpServer gateway = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        gateway.createContext("/", exchange -> {
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " "
                    + exchange.getRequestHeaders().getFirst("Content-Type"));
            bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        gateway.start();
        try {
            String url = "http://127.0.0.1:" + gateway.getAddress().getPort();
            assertThat(job.run("run", "jobs/nightly.yaml", "--pushgateway", url))
                    .as(job.err)
                    .isEqualTo(3);
        } finally {
            gateway.stop(0);
        }

        assertThat(requests).containsExactly("PUT /metrics/job/nightly text/plain; version=0.0.4; charset=utf-8");
        PrometheusText pushed = PrometheusText.parse(bodies.get(0));
        assertThat(pushed.names()).containsExactlyInAnyOrderElementsOf(FAMILIES);
        assertThat(pushed.samples("promptbatch_records_total"))
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "job=nightly,model=llama3.2:3b,outcome=answered", 4.0,
                        "job=nightly,model=llama3.2:3b,outcome=failed", 1.0,
                        "job=nightly,model=qwen2.5:7b,outcome=answered", 4.0,
                        "job=nightly,model=qwen2.5:7b,outcome=failed", 1.0));
        assertThat(pushed.samples("promptbatch_last_run_status"))
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("job=nightly,model=llama3.2:3b", 3.0, "job=nightly,model=qwen2.5:7b", 3.0));
        // The file and the push hold the same group.
        PrometheusText file = PrometheusText.parse(Files.readString(dir.resolve("metrics/nightly.prom")));
        assertThat(file.samples("promptbatch_generated_tokens_total"))
                .isEqualTo(pushed.samples("promptbatch_generated_tokens_total"));
    }

    @Test
    void aPushgatewayThatIsDownIsOneWarningAndTheRunKeepsItsExitCode() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        try (LogCapture log = new LogCapture()) {
            assertThat(job.run("run", "jobs/nightly.yaml", "--pushgateway", "http://127.0.0.1:" + closedPort))
                    .as(job.err)
                    .isEqualTo(3);

            List<String> warnings =
                    log.text().lines().filter(line -> line.startsWith("WARN ")).toList();
            assertThat(warnings).hasSize(1);
            assertThat(warnings.get(0))
                    .isEqualTo("WARN Could not push the metrics to the Pushgateway at http://127.0.0.1:" + closedPort
                            + ": Connection refused; the run's exit code is unchanged");
        }
        PrometheusText file = PrometheusText.parse(Files.readString(dir.resolve("metrics/nightly.prom")));
        assertThat(file.value("promptbatch_last_run_status", "job=nightly,model=llama3.2:3b"))
                .isEqualTo(3);
    }

    @Test
    void aMetricsFileInAFolderThatDoesNotExistRefusesTheRunBeforeAnyRequest() {
        assertThat(job.run("run", "jobs/nightly.yaml", "--metrics-file", "nowhere/nightly.prom"))
                .isEqualTo(2);
        assertThat(job.err)
                .isEqualTo("promptbatch: --metrics-file nowhere/nightly.prom: the folder " + dir.resolve("nowhere")
                        + " does not exist" + System.lineSeparator());
        assertThat(simulator.stats().generateRequests()).isZero();
        assertThat(dir.resolve("nowhere")).doesNotExist();
        assertThat(dir.resolve("output")).doesNotExist();

        job.write(
                "jobs/elsewhere.yaml",
                job.lines("jobs/nightly.yaml").stream()
                                .map(line -> line.replace("metrics/nightly.prom", "gone/nightly.prom"))
                                .collect(Collectors.joining("\n"))
                        + "\n");
        assertThat(job.run("run", "jobs/elsewhere.yaml")).isEqualTo(2);
        assertThat(job.err)
                .isEqualTo("promptbatch: " + dir.resolve("jobs/elsewhere.yaml") + ": metrics-file: the folder "
                        + dir.resolve("gone") + " does not exist" + System.lineSeparator());
        assertThat(simulator.stats().generateRequests()).isZero();
    }

    @Test
    void aPushgatewayThatIsNotAUrlOrAMetricsFileThatIsNotPromRefusesTheRun() {
        assertThat(job.run("run", "jobs/nightly.yaml", "--pushgateway", "pushgateway:9091"))
                .isEqualTo(2);
        assertThat(job.err)
                .isEqualTo("promptbatch: --pushgateway: expected a URL such as http://pushgateway:9091, got "
                        + "'pushgateway:9091'" + System.lineSeparator());
        assertThat(job.run("run", "jobs/nightly.yaml", "--metrics-file", "metrics/nightly.txt"))
                .isEqualTo(2);
        assertThat(job.err)
                .isEqualTo("promptbatch: --metrics-file metrics/nightly.txt: a file ending in .prom, got "
                        + "'nightly.txt'" + System.lineSeparator());
        assertThat(simulator.stats().generateRequests()).isZero();
    }
}

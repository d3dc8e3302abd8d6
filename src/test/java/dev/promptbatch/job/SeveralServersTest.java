package dev.promptbatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.promptbatch.cli.LogCapture;
import dev.promptbatch.ollama.ServerAddress;
import dev.promptbatch.output.RunSummary;
import dev.promptbatch.servers.ServerTarget;
import dev.promptbatch.simulator.Fault;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatedRequest;
import dev.promptbatch.simulator.SimulatorSettings;
import dev.promptbatch.simulator.SimulatorTestSettings;
import dev.promptbatch.spec.JobSpec;
import dev.promptbatch.spec.SpecLoader;

/** Runs over several simulators: every record once, in order, whatever happens to one of the servers. */
class SeveralServersTest {
    private static final int RECORDS = 60;
    private static final String FAST_RETRIES = "retry: {max-attempts: 3, initial-backoff: 10ms, max-backoff: 20ms}";

    @TempDir
    Path dir;

    private final List<OllamaSimulator> simulators = new ArrayList<>();

    @AfterEach
    void stopSimulators() {
        simulators.forEach(OllamaSimulator::close);
    }

    @Test
    void everyServerTakesRecordsAndEveryRecordIsAnsweredOnceInOrder() throws IOException {
        start(3, SimulatorTestSettings.instant().withTokensPerSecond(2000));
        JobSpec spec = NumberedJob.write(dir, RECORDS, "out.jsonl", FAST_RETRIES);

        RunReport report = JobRunner.run(settings(spec, 2));

        assertThat(report.result()).isEqualTo(RunReport.Result.COMPLETED);
        assertThat(outputIds()).isEqualTo(allIds());
        assertThat(simulators)
                .allSatisfy(simulator ->
                        assertThat(simulator.stats().generateRequests()).isPositive());
        assertThat(simulators)
                .allSatisfy(
                        simulator -> assertThat(simulator.stats().maxInFlight()).isLessThanOrEqualTo(2));
        assertThat(simulators.stream()
                        .mapToLong(s -> s.stats().generateRequests())
                        .sum())
                .isEqualTo(RECORDS + 3); // each server's warm-up load, then each record once
    }

    @Test
    void everyRecordNamesTheServerThatAnsweredItAndThePerServerRowsSumToTheRun() throws IOException {
        start(2, SimulatorTestSettings.instant().withTokensPerSecond(2000));
        for (OllamaSimulator simulator : simulators) {
            simulator.faults().failWhen(request -> request.prompt().equals("record 7"), Fault.PROMPT_TOO_LONG);
        }
        JobSpec spec = NumberedJob.write(dir, RECORDS, "out.jsonl", FAST_RETRIES);

        RunReport report = JobRunner.run(settings(spec, 2));

        assertThat(report.result()).isEqualTo(RunReport.Result.COMPLETED);
        JsonMapper json = JsonMapper.builder().build();
        Map<String, Long> answeredByServer = new LinkedHashMap<>();
        for (String line : Files.readAllLines(dir.resolve("out.jsonl"))) {
            JsonNode record = json.readTree(line);
            String server = record.get("server").asString();
            assertThat(simulatorAt(server)
                            .stats()
                            .requestsForPrompt("record " + record.get("id").asString()))
                    .isEqualTo(1);
            assertThat(line)
                    .startsWith("{\"id\":\"" + record.get("id").asString() + "\",\"line\":"
                            + record.get("line").asLong() + ",\"model\":\"llama3.2:3b\",\"server\":\"" + server
                            + "\",");
            answeredByServer.merge(server, 1L, Long::sum);
        }
        String rejectedOn = simulators.stream()
                .filter(simulator -> simulator.stats().requestsForPrompt("record 7") == 1)
                .map(simulator -> simulator.baseUrl().toString())
                .findFirst()
                .orElseThrow();
        assertThat(Files.readAllLines(dir.resolve("out.errors.jsonl")))
                .singleElement()
                .satisfies(line -> assertThat(line)
                        .startsWith("{\"id\":\"7\",\"line\":8,\"model\":\"llama3.2:3b\",\"server\":\"" + rejectedOn
                                + "\",\"seed\":null,\"kind\":\"rejected\",\"message\":\"HTTP 400: the prompt is longer than "
                                + "the context length")
                        .endsWith("\"attempts\":1}"));
        List<String> urls = simulators.stream()
                .map(simulator -> simulator.baseUrl().toString())
                .toList();
        assertThat(answeredByServer.keySet()).containsExactlyInAnyOrderElementsOf(urls);
        assertThat(report.summary().perServer())
                .extracting(
                        group -> group.model() + " " + group.server() + " " + group.answers() + "/" + group.failures())
                .containsExactly(
                        "llama3.2:3b " + urls.get(0) + " " + answeredByServer.get(urls.get(0)) + "/"
                                + (rejectedOn.equals(urls.get(0)) ? 1 : 0),
                        "llama3.2:3b " + urls.get(1) + " " + answeredByServer.get(urls.get(1)) + "/"
                                + (rejectedOn.equals(urls.get(1)) ? 1 : 0));
        assertThat(report.summary().perServer().stream()
                        .mapToLong(RunSummary.Group::answers)
                        .sum())
                .isEqualTo(report.summary().answered())
                .isEqualTo(RECORDS - 1);
        assertThat(Files.readAllLines(dir.resolve("out.summary.csv")))
                .extracting(line -> line.split(",", -1)[1])
                .containsExactly("server", "", urls.get(0), urls.get(1));
        JsonNode manifest = json.readTree(dir.resolve("out.manifest.json").toFile());
        assertThat(manifest.get("servers").findValuesAsString("url")).isEqualTo(urls);
        assertThat(manifest.get("server").get("url").asString()).isEqualTo(urls.get(0));
    }

    @Test
    void aServerThatDiesForGoodMidRunCostsNoRecordAndTheLogSaysWhichWasPaused() throws IOException {
        start(3, SimulatorTestSettings.instant().withTokensPerSecond(2000));
        OllamaSimulator dying = simulators.get(1);
        AtomicInteger seen = new AtomicInteger();
        dying.faults()
                .failWhen(
                        request -> {
                            if (seen.incrementAndGet() == 8) {
                                CompletableFuture.runAsync(dying::close);
                            }
                            return false;
                        },
                        Fault.DROP_CONNECTION);
        JobSpec spec = NumberedJob.write(dir, RECORDS, "out.jsonl", FAST_RETRIES);

        RunReport report;
        try (LogCapture log = new LogCapture()) {
            report = JobRunner.run(settings(spec, 2));
            assertThat(log.timedText())
                    .containsPattern(Pattern.compile("(?m)^\\d\\d:\\d\\d:\\d\\d WARN "
                            + Pattern.quote("The server at " + dying.baseUrl() + " is not answering; pausing requests "
                                    + "to it and probing it every 2 s; the other servers take its requests meanwhile")
                            + "$"));
        }

        assertThat(report.result()).isEqualTo(RunReport.Result.COMPLETED);
        assertThat(outputIds()).isEqualTo(allIds());
        assertThat(dir.resolve("out.errors.jsonl")).doesNotExist();
        // The records the dead server held went to the others without costing an attempt.
        assertThat(outputRecords())
                .allSatisfy(record -> assertThat(record.get("attempts").asInt())
                        .as("record %s", record.get("id"))
                        .isEqualTo(1));
    }

    @Test
    void recordsThatABrokenServerFailsAreAnsweredByTheOthersBeforeTheyCountAsFailed() throws IOException {
        start(3, SimulatorTestSettings.instant().withTokensPerSecond(2000));
        simulators.get(0).faults().failWhen(request -> true, Fault.INTERNAL_ERROR);
        JobSpec spec = NumberedJob.write(dir, RECORDS, "out.jsonl", FAST_RETRIES);

        RunReport report = JobRunner.run(settings(spec, 2));

        assertThat(report.result()).isEqualTo(RunReport.Result.COMPLETED);
        assertThat(report.summary().failed()).isZero();
        assertThat(outputIds()).isEqualTo(allIds());
        String broken = simulators.get(0).baseUrl().toString();
        assertThat(outputRecords())
                .noneSatisfy(
                        record -> assertThat(record.get("server").asString()).isEqualTo(broken));
        Map<String, Integer> reachedBroken = simulators.get(0).stats().requestsByPrompt();
        // A record the broken server failed went to another server, never back to it.
        assertThat(reachedBroken.keySet()).anyMatch(prompt -> prompt.startsWith("record "));
        reachedBroken.forEach((prompt, requests) -> {
            if (prompt.startsWith("record ")) {
                assertThat(requests).as(prompt).isEqualTo(1);
            }
        });
    }

    @Test
    void everyServerAwayLongerThanMaxOutageFailsTheRunAndTheSameCommandResumesIt() throws IOException {
        start(2, SimulatorTestSettings.instant().withTokensPerSecond(2000));
        List<Integer> ports = simulators.stream().map(OllamaSimulator::port).toList();
        AtomicInteger answered = new AtomicInteger();
        for (OllamaSimulator simulator : simulators) {
            simulator.faults().failWhen(request -> answered.incrementAndGet() > 20, Fault.BAD_GATEWAY);
        }
        JobSpec spec = NumberedJob.write(dir, RECORDS, "out.jsonl", FAST_RETRIES + "\nmax-outage: 1s");

        RunReport failed = JobRunner.run(settings(spec, 2));

        assertThat(failed.result()).isEqualTo(RunReport.Result.FAILED);
        assertThat(failed.message()).startsWith("no server with llama3.2:3b has answered for ");
        simulators.forEach(OllamaSimulator::close);
        simulators.clear();
        for (int port : ports) {
            simulators.add(OllamaSimulator.start(SimulatorTestSettings.instant()
                    .withModels(List.of("llama3.2:3b"))
                    .withPort(port)));
        }

        RunReport resumed = JobRunner.run(settings(spec, 2));

        assertThat(resumed.result()).isEqualTo(RunReport.Result.COMPLETED);
        assertThat(outputIds()).isEqualTo(allIds());
    }

    @Test
    void aServerDownAtTheStartIsInTheManifestAsNotReachedAndTheOtherAnswersEveryRecord() throws IOException {
        start(2, SimulatorTestSettings.instant().withTokensPerSecond(2000));
        String down = simulators.get(0).baseUrl().toString();
        String up = simulators.get(1).baseUrl().toString();
        simulators.get(0).close();
        JobSpec spec = NumberedJob.write(dir, RECORDS, "out.jsonl", FAST_RETRIES);

        RunReport report = JobRunner.run(settings(spec, 2));

        assertThat(report.result()).isEqualTo(RunReport.Result.COMPLETED);
        assertThat(outputIds()).isEqualTo(allIds());
        JsonMapper json = JsonMapper.builder().build();
        JsonNode manifest = json.readTree(dir.resolve("out.manifest.json").toFile());
        JsonNode servers = manifest.get("servers");
        assertThat(servers.findValuesAsString("url")).containsExactly(down, up);
        assertThat(servers.get(0))
                .isEqualTo(json.readTree("{\"url\":\"" + down + "\",\"api\":\"ollama\",\"version\":null,"
                        + "\"models\":[],\"concurrency\":2,\"auto\":false,\"reached\":false,\"durations\":null}"));
        assertThat(servers.get(1).get("durations").asString()).isEqualTo("server");
        assertThat(servers.get(1).get("reached").asBoolean()).isTrue();
        assertThat(servers.get(1).get("version").asString())
                .isEqualTo(SimulatorTestSettings.instant().version());
        assertThat(manifest.get("server").get("url").asString()).isEqualTo(up);
    }

    @Test
    void aServerDownAtTheStartJoinsWhenItComesUpAndEveryRecordIsAnsweredOnce() throws Exception {
        start(2, SimulatorTestSettings.instant().withTokensPerSecond(2000));
        OllamaSimulator up = simulators.get(1);
        int latePort = simulators.get(0).port();
        String late = simulators.get(0).baseUrl().toString();
        simulators.get(0).close();
        CountDownLatch upTookTen = new CountDownLatch(10);
        CountDownLatch lateTookARecord = new CountDownLatch(1);
        // Past its first 10 records, the server that is up holds its answers until the late one has taken a record,
        // so that the run is still going when the late one comes up, however fast this machine is.
        up.faults().failWhen(request -> holdPastTen(request, upTookTen, lateTookARecord), Fault.SLOW);
        JobSpec spec = NumberedJob.write(dir, RECORDS, "out.jsonl", FAST_RETRIES);

        RunReport report;
        try (LogCapture log = new LogCapture()) {
            CompletableFuture<RunReport> run = CompletableFuture.supplyAsync(() -> JobRunner.run(settings(spec, 2)));
            assertThat(upTookTen.await(1, TimeUnit.MINUTES))
                    .as("the first server took 10 records")
                    .isTrue();
            OllamaSimulator lateServer = OllamaSimulator.start(SimulatorTestSettings.instant()
                    .withTokensPerSecond(2000)
                    .withModels(List.of("llama3.2:3b"))
                    .withPort(latePort));
            simulators.set(0, lateServer);
            lateServer
                    .faults()
                    .failWhen(
                            request -> {
                                lateTookARecord.countDown();
                                return false;
                            },
                            Fault.SLOW);
            report = run.get(2, TimeUnit.MINUTES);
            assertThat(log.timedText())
                    .contains("WARN the server at " + late + " is left out until it answers (probed every few "
                            + "seconds): ")
                    .contains("INFO The server at " + late + " answers ")
                    .contains(" s after the run began; it joins the run");
        }

        assertThat(report.result()).isEqualTo(RunReport.Result.COMPLETED);
        assertThat(outputIds()).isEqualTo(allIds());
        assertThat(dir.resolve("out.errors.jsonl")).doesNotExist();
        assertThat(recordRequests(simulators.get(0))).isPositive();
        for (long id : allIds()) {
            assertThat(simulators.get(0).stats().requestsForPrompt("record " + id)
                            + up.stats().requestsForPrompt("record " + id))
                    .as("requests for record %d", id)
                    .isEqualTo(1);
        }
        assertThat(outputRecords())
                .filteredOn(record -> record.get("server").asString().equals(late))
                .hasSize((int) recordRequests(simulators.get(0)));
        JsonNode lateInManifest = JsonMapper.builder()
                .build()
                .readTree(dir.resolve("out.manifest.json").toFile())
                .get("servers")
                .get(0);
        assertThat(lateInManifest.get("url").asString()).isEqualTo(late);
        assertThat(lateInManifest.get("reached").asBoolean()).isTrue();
        assertThat(lateInManifest.get("version").asString())
                .isEqualTo(SimulatorTestSettings.instant().version());
    }

    /** Never a fault: counts the server's records, and past the 10th holds each until the late server has one. */
    private static boolean holdPastTen(SimulatedRequest request, CountDownLatch tenth, CountDownLatch late) {
        if (!request.prompt().startsWith("record ")) {
            return false;
        }
        if (tenth.getCount() > 0) {
            tenth.countDown();
            return false;
        }
        try {
            if (!late.await(30, TimeUnit.SECONDS)) {
                late.countDown(); // the late server never took one: hold no other, and let the assertions say so
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    private static long recordRequests(OllamaSimulator simulator) {
        return simulator.stats().requestsByPrompt().entrySet().stream()
                .filter(entry -> entry.getKey().startsWith("record "))
                .mapToLong(Map.Entry::getValue)
                .sum();
    }

    @Test
    void aSweepOverThreeModelsOnTwoServersLoadsEachModelOnceOnEachServer() throws IOException {
        List<String> models = List.of("llama3.2:3b", "qwen3:0.6b", "gemma3:1b");
        for (int i = 0; i < 2; i++) {
            simulators.add(OllamaSimulator.start(SimulatorTestSettings.instant()
                    .withTokensPerSecond(2000)
                    .withModels(models)
                    .withMaxLoadedModels(1)));
        }
        NumberedJob.write(dir, RECORDS, "out.jsonl", FAST_RETRIES);
        Path file = Files.writeString(
                dir.resolve("a.yaml"),
                Files.readString(dir.resolve("a.yaml"))
                        .replace("model: llama3.2:3b", "models: [llama3.2:3b, qwen3:0.6b, gemma3:1b]"));
        JobSpec spec = new SpecLoader(dir).load(file, Map.of(), Map.of());

        RunReport report = JobRunner.run(settings(spec, 2));

        assertThat(report.result()).isEqualTo(RunReport.Result.COMPLETED);
        assertThat(simulators)
                .allSatisfy(simulator -> assertThat(simulator.stats().loads())
                        .isEqualTo(Map.of("llama3.2:3b", 1, "qwen3:0.6b", 1, "gemma3:1b", 1)));
    }

    private OllamaSimulator simulatorAt(String url) {
        return simulators.stream()
                .filter(simulator -> simulator.baseUrl().toString().equals(url))
                .findFirst()
                .orElseThrow();
    }

    private void start(int servers, SimulatorSettings settings) throws IOException {
        for (int i = 0; i < servers; i++) {
            simulators.add(OllamaSimulator.start(settings.withModels(List.of("llama3.2:3b"))));
        }
    }

    private RunSettings settings(JobSpec spec, int concurrency) {
        return new RunSettings(
                spec,
                simulators.stream()
                        .map(simulator -> new ServerTarget(
                                ServerAddress.resolve(simulator.baseUrl().toString(), null, Map.of()),
                                concurrency,
                                false))
                        .toList(),
                JobDatabase.file(dir.resolve("state/db")),
                Map.of(),
                false,
                false,
                new GracefulStop(GracefulStop.DEFAULT_GRACE));
    }

    private List<JsonNode> outputRecords() throws IOException {
        JsonMapper json = JsonMapper.builder().build();
        return Files.readAllLines(dir.resolve("out.jsonl")).stream()
                .map(json::readTree)
                .toList();
    }

    private List<Long> outputIds() throws IOException {
        JsonMapper json = JsonMapper.builder().build();
        return Files.readAllLines(dir.resolve("out.jsonl")).stream()
                .map(line -> json.readTree(line).get("id").asLong())
                .toList();
    }

    private static List<Long> allIds() {
        return LongStream.rangeClosed(1, RECORDS).boxed().toList();
    }
}

package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;

import dev.promptbatch.simulator.Fault;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/** {@code run} and {@code validate} over several servers, as a user names them: the spec's list or --base-url. */
class SeveralServersCommandTest {
    private static final int RECORDS = 40;

    @TempDir
    Path dir;

    private final List<OllamaSimulator> simulators = new ArrayList<>();
    private JobFixture job;

    @AfterEach
    void stopSimulators() {
        simulators.forEach(OllamaSimulator::close);
    }

    @Test
    void repeatedBaseUrlsShareTheRecordsAndEveryRecordIsAnsweredOnceInInputOrder() throws IOException {
        start(2);
        writeJob("concurrency: 2\n");

        assertThat(job.runAsIs("run", "jobs/n.yaml", "--base-url", url(0), "--base-url", url(1), "--db", "state/db"))
                .as(job.err)
                .isZero();

        assertThat(outputIds()).isEqualTo(allIds());
        assertThat(simulators).allSatisfy(simulator -> {
            assertThat(simulator.stats().generateRequests()).isPositive();
            assertThat(simulator.stats().maxInFlight()).isLessThanOrEqualTo(2);
        });
        assertThat(simulators.stream()
                        .mapToLong(s -> s.stats().generateRequests())
                        .sum())
                .isEqualTo(RECORDS + 2); // each server's warm-up load, then each record once
        assertThat(job.out).contains("Output: output/n.jsonl (" + RECORDS + " answers)");
    }

    @Test
    void theSpecsServersEachKeepTheirOwnBound() throws IOException {
        start(2);
        writeJob("""
                concurrency: 2
                servers:
                  - url: %s
                    concurrency: 1
                  - url: %s
                    concurrency: 3
                """.formatted(url(0), url(1)));

        assertThat(job.runAsIs("run", "jobs/n.yaml", "--db", "state/db"))
                .as(job.err)
                .isZero();

        assertThat(outputIds()).isEqualTo(allIds());
        assertThat(simulators.get(0).stats().maxInFlight()).isEqualTo(1);
        assertThat(simulators.get(1).stats().maxInFlight()).isBetween(1, 3);
        assertThat(simulators.stream()
                        .mapToLong(s -> s.stats().generateRequests())
                        .sum())
                .isEqualTo(RECORDS + 2);
    }

    @Test
    void aServerWithoutTheModelIsLeftOutWithAWarningAndTheOthersAnswerEveryRecordOnce() throws IOException {
        start(2);
        simulators.add(OllamaSimulator.start(SimulatorTestSettings.instant().withModels(List.of("qwen3:0.6b"))));
        writeJob("concurrency: 2\n");

        try (LogCapture log = new LogCapture()) {
            assertThat(job.runAsIs(
                            "run",
                            "jobs/n.yaml",
                            "--base-url",
                            url(0),
                            "--base-url",
                            url(2),
                            "--base-url",
                            url(1),
                            "--db",
                            "state/db"))
                    .as(job.err)
                    .isZero();
            assertThat(log.text().lines())
                    .contains("WARN the server at " + url(2) + " is left out for model 'llama3.2:3b': model "
                            + "'llama3.2:3b' is not on the server at " + url(2) + ". Pull it with 'ollama pull "
                            + "llama3.2:3b'.");
        }

        assertThat(outputIds()).isEqualTo(allIds());
        assertThat(dir.resolve("output/n.errors.jsonl")).doesNotExist();
        assertThat(job.jsonLines("output/n.jsonl"))
                .extracting(record -> record.get("server").asString())
                .containsOnly(url(0), url(1));
        assertThat(simulators.get(2).stats().generateRequests()).isZero();
    }

    @Test
    void oneModelWithDifferentDigestsOnTwoServersIsAWarningAndTheManifestShowsEachDigest() throws IOException {
        start(2);
        String first = "sha256:" + "a".repeat(64);
        String second = "sha256:" + "b".repeat(64);
        simulators.get(0).digest("llama3.2:3b", first);
        simulators.get(1).digest("llama3.2:3b", second);
        writeJob("");

        try (LogCapture log = new LogCapture()) {
            assertThat(job.runAsIs(
                            "run", "jobs/n.yaml", "--base-url", url(0), "--base-url", url(1), "--db", "state/db"))
                    .as(job.err)
                    .isZero();
            assertThat(log.text().lines())
                    .contains("WARN model 'llama3.2:3b' differs between servers (digest sha256:aaaaa on " + url(0)
                            + "; digest sha256:bbbbb on " + url(1) + "): their answers are not comparable");
        }

        assertThat(outputIds()).isEqualTo(allIds());
        JsonNode servers = JobFixture.JSON
                .readTree(dir.resolve("output/n.manifest.json").toFile())
                .get("servers");
        assertThat(servers.values())
                .extracting(server -> server.get("url").asString() + " "
                        + server.get("models").get(0).get("name").asString() + " "
                        + server.get("models").get(0).get("digest").asString())
                .containsExactly(url(0) + " llama3.2:3b " + first, url(1) + " llama3.2:3b " + second);
    }

    @Test
    void noServerWithTheModelRunsNothingAndExitsWith2() throws IOException {
        for (int i = 0; i < 2; i++) {
            simulators.add(OllamaSimulator.start(SimulatorTestSettings.instant().withModels(List.of("qwen3:0.6b"))));
        }
        writeJob("");

        assertThat(job.runAsIs("run", "jobs/n.yaml", "--base-url", url(0), "--base-url", url(1), "--db", "state/db"))
                .as(job.err)
                .isEqualTo(2);

        assertThat(job.err)
                .isEqualTo("promptbatch: no server can run model 'llama3.2:3b': model 'llama3.2:3b' is not on the "
                        + "server at " + url(0) + ". Pull it with 'ollama pull llama3.2:3b'.; model 'llama3.2:3b' is "
                        + "not on the server at " + url(1) + ". Pull it with 'ollama pull llama3.2:3b'.\n");
        assertThat(simulators)
                .allSatisfy(simulator ->
                        assertThat(simulator.stats().generateRequests()).isZero());
        assertThat(dir.resolve("output/n.jsonl")).doesNotExist();
    }

    @Test
    void aNewRunThatFailsSaysToResumeWithoutNewRun() throws IOException {
        start(1);
        AtomicInteger requests = new AtomicInteger();
        simulators.get(0).faults().failWhen(request -> requests.incrementAndGet() > 12, Fault.BAD_GATEWAY);
        writeJob(
                "concurrency: 2\nmax-outage: 1s\nretry: {max-attempts: 3, initial-backoff: 10ms, max-backoff: 20ms}\n");
        String[] command = {"run", "jobs/n.yaml", "--base-url", url(0), "--db", "state/db"};

        assertThat(job.runAsIs(concat(command, "--new-run"))).as(job.err).isEqualTo(1);

        assertThat(job.out).contains("Nothing answered is lost: run the same command without --new-run to resume.");
        simulators.get(0).faults().clear();
        assertThat(job.runAsIs(command)).as(job.err).isZero();
        assertThat(outputIds()).isEqualTo(allIds());
    }

    private static String[] concat(String[] command, String option) {
        String[] all = java.util.Arrays.copyOf(command, command.length + 1);
        all[command.length] = option;
        return all;
    }

    @Test
    void everyServerAwayLongerThanMaxOutageExitsWith1AndTheSameCommandThenAnswersEveryRecordOnce() throws IOException {
        start(2);
        AtomicInteger requests = new AtomicInteger();
        for (OllamaSimulator simulator : simulators) {
            simulator.faults().failWhen(request -> requests.incrementAndGet() > 12, Fault.BAD_GATEWAY);
        }
        writeJob(
                "concurrency: 2\nmax-outage: 1s\nretry: {max-attempts: 3, initial-backoff: 10ms, max-backoff: 20ms}\n");
        String[] command = {"run", "jobs/n.yaml", "--base-url", url(0), "--base-url", url(1), "--db", "state/db"};

        assertThat(job.runAsIs(command)).as(job.err).isEqualTo(1);

        assertThat(job.out)
                .containsPattern("(?m)^numbered failed: no server with llama3\\.2:3b has answered for \\d+ s, longer "
                        + "than max-outage \\(1 s\\): " + Pattern.quote(url(0) + ", " + url(1)) + "$")
                .contains("Nothing answered is lost: run the same command again to resume.");
        simulators.forEach(simulator -> simulator.faults().clear());
        assertThat(job.runAsIs(command)).as(job.err).isZero();
        assertThat(outputIds()).isEqualTo(allIds());
        assertThat(dir.resolve("output/n.errors.jsonl")).doesNotExist();
    }

    @Test
    void theSameServerTwiceOnTheCommandLineRunsNothing() throws IOException {
        start(1);
        writeJob("");

        assertThat(job.runAsIs(
                        "run",
                        "jobs/n.yaml",
                        "--base-url",
                        url(0),
                        "--base-url",
                        url(0).replace("http://", "HTTP://") + "/",
                        "--db",
                        "state/db"))
                .isEqualTo(2);

        assertThat(job.err).contains("--base-url: the server " + url(0) + " is given twice; give each server once");
        assertThat(simulators.get(0).stats().generateRequests()).isZero();
        assertThat(dir.resolve("output/n.jsonl")).doesNotExist();
    }

    @Test
    void validateChecksEveryServerAndOneAwayIsAWarning() throws IOException {
        start(2);
        String away = url(1);
        simulators.get(1).close();
        writeJob("");

        assertThat(job.runAsIs("validate", "jobs/n.yaml", "--base-url", url(0), "--base-url", away))
                .as(job.out)
                .isZero();

        assertThat(job.out)
                .contains("Server " + url(0) + ": Ollama ")
                .contains("  warning: the server at " + away
                        + " is left out until it answers (probed every few seconds): ")
                .contains("Ready to run.");
    }

    @Test
    void theTwoServersExampleRunsOnTwoSimulators() throws IOException {
        copy(Path.of("jobs"), dir.resolve("jobs"));
        copy(Path.of("input"), dir.resolve("input"));
        job = new JobFixture(dir, null);

        assertThat(job.runAsIs("validate", "jobs/two-servers.yaml", "--simulator"))
                .as(job.out)
                .isZero();
        assertThat(job.out.lines().filter(line -> line.startsWith("Server http://127.0.0.1:")))
                .hasSize(2);
        assertThat(job.runAsIs("run", "jobs/two-servers.yaml", "--simulator", "--db", "state/db"))
                .as(job.err)
                .isZero();

        List<String> inputIds = Files.readAllLines(dir.resolve("input/articles.jsonl")).stream()
                .map(line -> JobFixture.JSON.readTree(line).get("id").asString())
                .toList();
        assertThat(job.jsonLines("output/two-servers.jsonl"))
                .extracting(record -> record.get("id").asString())
                .isEqualTo(inputIds);
        assertThat(job.out).contains("two-servers completed");
    }

    private void start(int servers) throws IOException {
        for (int i = 0; i < servers; i++) {
            simulators.add(OllamaSimulator.start(SimulatorTestSettings.instant().withModels(List.of("llama3.2:3b"))));
        }
    }

    private String url(int server) {
        return simulators.get(server).baseUrl().toString().replaceAll("/$", "");
    }

    private void writeJob(String extra) {
        job = new JobFixture(dir, null);
        job.numberedRecords("input/n.csv", RECORDS);
        job.write("jobs/n.yaml", """
                name: numbered
                input: input/n.csv
                model: llama3.2:3b
                prompt: "{{text}}"
                output: output/n.jsonl
                """ + extra);
    }

    private List<Long> outputIds() {
        return job.jsonLines("output/n.jsonl").stream()
                .map(record -> record.get("id"))
                .map(JsonNode::asLong)
                .toList();
    }

    private static List<Long> allIds() {
        return IntStream.rangeClosed(1, RECORDS).mapToObj(n -> (long) n).toList();
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }
}

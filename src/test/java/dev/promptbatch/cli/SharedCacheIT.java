package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;

import dev.promptbatch.cache.AnswerCache;
import dev.promptbatch.simulator.Fault;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/**
 * Two processes of the real jar, each running a job of its own in a working directory of its own, share one answer
 * cache at the same time: they ask many of the same deterministic requests in the same order, so that both miss a key
 * and write it at once, or one reads what the other has just written. Both outputs are whole and right, every
 * request was sent by the process that did not find its answer, and the cache is whole afterwards.
 */
class SharedCacheIT {
    private static final String MODEL = "llama3.2:3b";
    private static final int RECORDS = 120;
    /** Requests in flight at most per process: a third one held at once proves the other process is sending. */
    private static final int CONCURRENCY = 2;

    @RegisterExtension
    final SimulatorExtension simulated = SimulatorExtension.startedWith(SimulatorTestSettings.instant()
            .withModels(List.of(MODEL))
            .withParallel(2 * CONCURRENCY)
            .withTokensPerSecond(2_000)
            .withMedianTokens(20));

    @TempDir
    Path dir;

    private OllamaSimulator simulator;
    private JobFixture job;

    @Test
    void twoJobsWritingOneCacheAtOnceGetWholeRightOutputsAndLeaveAWholeCache() throws Exception {
        // Record n of alpha asks "record n"; beta asks the same but for every third record, its own.
        List<String> alpha =
                IntStream.rangeClosed(1, RECORDS).mapToObj(n -> "record " + n).toList();
        List<String> beta = IntStream.rangeClosed(1, RECORDS)
                .mapToObj(n -> n % 3 == 0 ? "beta record " + n : "record " + n)
                .toList();
        Path cache = dir.resolve("shared-cache");
        Path alphaDir = jobDir("alpha", alpha);
        Path betaDir = jobDir("beta", beta);

        // Each request waits until the two processes have more in flight than one of them may: both are sending.
        CountDownLatch bothSending = new CountDownLatch(CONCURRENCY + 1);
        AtomicInteger held = new AtomicInteger();
        AtomicInteger mostHeld = new AtomicInteger();
        simulator.faults().failWhen(request -> holdUntil(bothSending, held, mostHeld), Fault.SLOW);

        ChildRun first = start(alphaDir, "alpha", cache);
        ChildRun second = start(betaDir, "beta", cache);
        assertThat(first.exitCode(240)).as(first.err()).isZero();
        assertThat(second.exitCode(240)).as(second.err()).isZero();
        assertThat(mostHeld.get()).isGreaterThan(CONCURRENCY);
        simulator.faults().clear();
        Map<String, Integer> sent = simulator.stats().requestsByPrompt();
        sent.remove("");

        List<JsonNode> alphaOut = outputOf(alphaDir, "alpha");
        List<JsonNode> betaOut = outputOf(betaDir, "beta");
        Set<String> prompts = new LinkedHashSet<>(alpha);
        prompts.addAll(beta);
        Map<String, String> expected = new HashMap<>();
        for (String prompt : prompts) {
            expected.put(prompt, job.expectedResponse(MODEL, null, prompt, Map.of("seed", 42)));
        }
        assertRight(alphaOut, alpha, expected);
        assertRight(betaOut, beta, expected);
        // An answer not taken from the cache is one request; one taken from it is none.
        long sentByPrompt = sent.values().stream().mapToLong(Integer::intValue).sum();
        long notCached = Stream.concat(alphaOut.stream(), betaOut.stream())
                .filter(r -> !r.get("cached").asBoolean())
                .count();
        assertThat(sentByPrompt)
                .as(
                        "requests %s; attempts of the answers not cached %s",
                        sent,
                        Stream.concat(alphaOut.stream(), betaOut.stream())
                                .filter(r -> !r.get("cached").asBoolean())
                                .mapToInt(r -> r.get("attempts").asInt())
                                .sum())
                .isEqualTo(notCached);
        assertThat(sent.keySet()).containsExactlyInAnyOrderElementsOf(prompts);
        assertThat(sent.values()).allSatisfy(times -> assertThat(times).isBetween(1, 2));

        // No temporary file is left, and each entry holds a whole answer under its own key.
        List<Path> files;
        try (Stream<Path> walk = Files.walk(cache)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertThat(files).hasSize(prompts.size());
        for (Path file : files) {
            assertThat(cache.relativize(file).toString()).matches("[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}\\.json");
            JsonNode entry = JobFixture.JSON.readTree(Files.readString(file));
            assertThat(entry.get("version").asInt()).isEqualTo(AnswerCache.FORMAT_VERSION);
            assertThat(entry.get("key").asString() + ".json")
                    .isEqualTo(file.getFileName().toString());
            assertThat(expected)
                    .containsValue(entry.get("response").get("response").asString());
        }

        // A third job asking everything both asked is answered from the cache alone, with no warning.
        List<String> all = new ArrayList<>(prompts);
        Path unionDir = jobDir("union", all);
        simulator.stats().reset();
        JobFixture union = new JobFixture(unionDir, simulator.baseUrl());
        try (LogCapture log = new LogCapture()) {
            assertThat(union.run("run", "jobs/union.yaml", "--cache=" + cache))
                    .as(union.err)
                    .isZero();
            assertThat(log.text()).doesNotContain("WARN");
        }
        assertThat(simulator.stats().generateRequests()).isZero();
        List<JsonNode> unionOut = outputOf(unionDir, "union");
        assertRight(unionOut, all, expected);
        assertThat(unionOut)
                .allSatisfy(r -> assertThat(r.get("cached").asBoolean()).isTrue());
    }

    /** Holds a request until {@code open} is counted down to zero by the requests arriving; never a fault. */
    private static boolean holdUntil(CountDownLatch open, AtomicInteger held, AtomicInteger mostHeld) {
        mostHeld.accumulateAndGet(held.incrementAndGet(), Math::max);
        open.countDown();
        try {
            // Long enough for the other JVM to start on a loaded machine; the runs' own waits are longer.
            open.await(120, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            held.decrementAndGet();
        }
        return false;
    }

    private static void assertRight(List<JsonNode> output, List<String> prompts, Map<String, String> expected) {
        assertThat(output)
                .extracting(r -> r.get("id").asInt())
                .containsExactlyElementsOf(
                        IntStream.rangeClosed(1, prompts.size()).boxed().toList());
        for (JsonNode record : output) {
            String prompt = prompts.get(record.get("id").asInt() - 1);
            assertThat(record.get("response").asString())
                    .as("record %s", record.get("id"))
                    .isEqualTo(expected.get(prompt));
        }
    }

    /** A working directory with the job's spec and its input: record n asks {@code prompts[n - 1]}. */
    private Path jobDir(String name, List<String> prompts) throws IOException {
        Path home = Files.createDirectories(dir.resolve(name));
        StringBuilder csv = new StringBuilder("n,text\n");
        for (int n = 1; n <= prompts.size(); n++) {
            csv.append(n).append(',').append(prompts.get(n - 1)).append('\n');
        }
        Files.createDirectories(home.resolve("input"));
        Files.writeString(home.resolve("input/r.csv"), csv);
        Files.createDirectories(home.resolve("jobs"));
        Files.writeString(
                home.resolve("jobs/" + name + ".yaml"),
                "name: " + name + "\ninput: input/r.csv\n"
                        + "id-field: n\nmodel: " + MODEL + "\nprompt: \"{{text}}\"\noptions: {seed: 42}\n"
                        + "output: output/" + name + ".jsonl\nconcurrency: " + CONCURRENCY + "\n");
        return home;
    }

    private ChildRun start(Path home, String name, Path cache) {
        return ChildRun.start(
                home,
                "run",
                "jobs/" + name + ".yaml",
                "--cache=" + cache,
                "--base-url",
                simulator.baseUrl().toString(),
                "--quiet");
    }

    private static List<JsonNode> outputOf(Path home, String name) throws IOException {
        return Files.readAllLines(home.resolve("output/" + name + ".jsonl")).stream()
                .map(JobFixture.JSON::readTree)
                .toList();
    }
}

package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;

import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.ServerQuirks;
import dev.promptbatch.simulator.SimulatorTestSettings;

/**
 * What servers other than Ollama do, as KoboldCpp and proxies were measured doing, reproduced by the simulator's
 * quirks: connections closed after every answer, a short queue answered with 503 "busy", model lists whose name is
 * the server's, no /api/show or /api/version, durations of 1 ns.
 */
class RealServerBehaviourTest {
    private static final List<String> MODEL = List.of("llama3.2:3b");

    @RegisterExtension
    final SimulatorExtension simulated = SimulatorExtension.startedByEachTest();

    @TempDir
    Path dir;

    private OllamaSimulator simulator;
    private JobFixture job;

    @Test
    void connectionsClosedAfterEveryAnswerAreNoOutageAndCostNoAttempt() throws IOException {
        simulated.start(SimulatorTestSettings.instant()
                .withModels(MODEL)
                .withParallel(4)
                .withTokensPerSecond(2000)
                .withMedianTokens(20)
                .withQuirks(ServerQuirks.none().withClosesConnections(true)));
        job.numberedRecords("input/r.csv", 300);
        spec("concurrency: 4\n");

        try (LogCapture log = new LogCapture()) {
            assertThat(job.run("run", "jobs/j.yaml")).as(job.out + job.err).isZero();

            assertThat(log.text())
                    .doesNotContain("not answering")
                    .contains("INFO The server at " + simulator.baseUrl() + " closed a connection before answering "
                            + "on it");
        }
        List<JsonNode> output = job.jsonLines("output/o.jsonl");
        assertThat(output)
                .extracting(r -> r.get("id").asInt())
                .isEqualTo(IntStream.rangeClosed(1, 300).boxed().toList());
        assertThat(output).allSatisfy(r -> assertThat(r.get("attempts").asInt()).isOne());
        // Every answer came on a connection of its own: the quirk was in force for the whole run.
        assertThat(simulator.closedConnections()).isGreaterThanOrEqualTo(300);
    }

    @Test
    void aBusyServerSlowsTheRunDownInsteadOfPausingItAndNoRecordFails() throws IOException {
        simulated.start(SimulatorTestSettings.instant()
                .withModels(MODEL)
                .withParallel(2)
                .withTokensPerSecond(1000)
                .withMedianTokens(20)
                .withLengthSigma(0)
                .withQuirks(ServerQuirks.none().withMaxQueue(2)));
        job.numberedRecords("input/r.csv", 200);
        spec("""
                concurrency: 8
                retry: {max-attempts: 2, initial-backoff: 10ms, max-backoff: 100ms}
                """);

        try (LogCapture log = new LogCapture()) {
            assertThat(job.run("run", "jobs/j.yaml")).as(job.out + job.err).isZero();

            assertThat(log.text()).doesNotContain("not answering");
            assertThat(Pattern.compile("is busy \\(")
                            .matcher(log.text())
                            .results()
                            .count())
                    .isOne();
            assertThat(log.text())
                    .contains("WARN The server at " + simulator.baseUrl() + " is busy (HTTP 503: "
                            + "server busy, please try again.  maximum pending requests exceeded); lowering requests in "
                            + "flight from 8 to 4, and raising them again while answers flow");
        }
        List<JsonNode> output = job.jsonLines("output/o.jsonl");
        assertThat(output)
                .extracting(r -> r.get("id").asInt())
                .isEqualTo(IntStream.rangeClosed(1, 200).boxed().toList());
        assertThat(output).allSatisfy(r -> assertThat(r.get("attempts").asInt()).isOne());
        assertThat(dir.resolve("output/o.errors.jsonl")).doesNotExist();
        assertThat(simulator.stats().busyAnswers()).isPositive();
        Matcher busy = Pattern.compile(
                        "Server busy: (\\d+) requests? answered 'busy' and sent again \\(not counted "
                                + "as attempts\\); requests in flight lowered to (\\d) of 8 \\((\\d) at the end\\), throttled for ")
                .matcher(job.out);
        assertThat(busy.find()).as(job.out).isTrue();
        assertThat(Long.parseLong(busy.group(1))).isEqualTo(simulator.stats().busyAnswers());
        // Two slots and two places in the queue: more than four in flight is always refused.
        assertThat(Integer.parseInt(busy.group(3))).isBetween(1, 4);
    }

    @Test
    void aModelListedUnderTheServersNameWithoutShowOrVersionIsFoundAndRuns() throws IOException {
        simulated.start(SimulatorTestSettings.instant()
                .withModels(List.of("koboldcpp/tinyllama-random"))
                .withQuirks(ServerQuirks.none()
                        .withTagsName("koboldcpp")
                        .withNoShow(true)
                        .withNoVersion(true)));
        job.numberedRecords("input/r.csv", 5);
        job.write(
                "jobs/j.yaml",
                "name: j\ninput: input/r.csv\nid-field: n\nmodel: koboldcpp/tinyllama-random\n"
                        + "prompt: \"{{text}}\"\noutput: output/o.jsonl\n");

        try (LogCapture log = new LogCapture()) {
            assertThat(job.run("run", "jobs/j.yaml")).as(job.out + job.err).isZero();

            assertThat(log.text())
                    .contains("WARN the server at " + simulator.baseUrl() + " has no /api/version (it "
                            + "is not Ollama itself, or an old one); its version is recorded as unknown.");
        }
        assertThat(job.jsonLines("output/o.jsonl"))
                .extracting(r -> r.get("id").asInt())
                .containsExactly(1, 2, 3, 4, 5);

        assertThat(job.runAsIs(
                        "validate",
                        "jobs/j.yaml",
                        "--base-url",
                        simulator.baseUrl().toString()))
                .as(job.out)
                .isZero();
        assertThat(job.out)
                .contains("Server " + simulator.baseUrl() + ": Ollama unknown, 1 model")
                .contains("  warning: the server at " + simulator.baseUrl() + " has no /api/version");
    }

    @Test
    void durationsOfOneNanosecondGiveASpeedFromTheMeasuredLatencyAndSaySo() throws IOException {
        simulated.start(SimulatorTestSettings.instant()
                .withModels(MODEL)
                .withTokensPerSecond(1000)
                .withMedianTokens(20)
                .withLengthSigma(0)
                .withQuirks(ServerQuirks.none().withDurationsOfOneNs(true)));
        job.numberedRecords("input/r.csv", 20);
        spec("concurrency: 2\n");

        assertThat(job.run("run", "jobs/j.yaml")).as(job.out + job.err).isZero();

        List<JsonNode> output = job.jsonLines("output/o.jsonl");
        assertThat(output).hasSize(20).allSatisfy(r -> {
            assertThat(r.get("eval_duration").asLong()).isOne(); // what the server sent is kept
            assertThat(r.get("tokens_per_second_source").asString()).isEqualTo("client");
            double expected = Math.round(r.get("eval_count").asLong()
                            * 1e3
                            / r.get("latency_ms").asLong()
                            * 100)
                    / 100.0;
            assertThat(r.get("tokens_per_second").asDouble())
                    .isEqualTo(expected)
                    .isBetween(100.0, 1000.0);
        });
        assertThat(job.out)
                .contains("tokens/s of 20 answers from the latency measured here: the server reported no "
                        + "eval_duration (an OpenAI-compatible server without timings) or an implausible one (under 1 µs "
                        + "a token)");
        List<Map<String, String>> summary = job.csvRows("output/o.summary.csv");
        assertThat(summary).singleElement().satisfies(row -> {
            assertThat(row.get("tokens_per_second_source")).isEqualTo("client");
            assertThat(Double.parseDouble(row.get("tokens_per_second_median"))).isBetween(100.0, 1000.0);
            // implausible prompt durations are left out, so nothing was measured: empty, not 0
            assertThat(row.get("prompt_tokens_per_second_median")).isEmpty();
        });
    }

    private void spec(String extra) {
        job.write(
                "jobs/j.yaml",
                "name: j\ninput: input/r.csv\nid-field: n\nmodel: llama3.2:3b\n"
                        + "prompt: \"{{text}}\"\noutput: output/o.jsonl\n" + extra);
    }
}

package dev.promptbatch.cli;

import static dev.promptbatch.cli.ChildRun.await;
import static dev.promptbatch.cli.ChildRun.lines;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;

import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/**
 * The {@code batch} command in the real jar, in a child process, killed with SIGKILL in the middle of an OpenAI Batch
 * file that mixes chat, completions, embeddings and bad lines, and run again with the same command: every
 * {@code custom_id} ends up once in the output or once in the errors file, in input order, with the ids the first run
 * gave the lines it wrote.
 */
class BatchCrashSafetyIT {
    private static final int LINES = 240;
    private static final int CONCURRENCY = 4;

    @RegisterExtension
    final SimulatorExtension simulated = SimulatorExtension.startedWith(SimulatorTestSettings.instant()
            .withModels(List.of("llama3.2:3b", "all-minilm"))
            .withParallel(CONCURRENCY)
            .withTokensPerSecond(400)
            .withMedianTokens(20)
            .withLengthSigma(0.3));

    @TempDir
    Path dir;

    private OllamaSimulator simulator;
    private JobFixture job;

    /** Line n: every 10th a bad line (an unsupported url), else chat, completion or embedding by n mod 3. */
    @BeforeEach
    void writeRequests() {
        StringBuilder requests = new StringBuilder();
        for (int n = 1; n <= LINES; n++) {
            String id = "req-" + n;
            if (n % 10 == 0) {
                requests.append(line(id, "/v1/images/generations", "{\"prompt\": \"a cat\"}"));
            } else if (n % 3 == 0) {
                requests.append(
                        line(id, "/v1/embeddings", "{\"model\": \"all-minilm\", \"input\": \"text " + n + "\"}"));
            } else if (n % 3 == 1) {
                requests.append(line(
                        id,
                        "/v1/chat/completions",
                        "{\"model\": \"llama3.2:3b\", \"seed\": 3,"
                                + " \"messages\": [{\"role\": \"user\", \"content\": \"question " + n + "\"}]}"));
            } else {
                requests.append(line(
                        id,
                        "/v1/completions",
                        "{\"model\": \"llama3.2:3b\", \"seed\": 3," + " \"prompt\": \"prompt " + n + "\"}"));
            }
        }
        job.write("requests.jsonl", requests.toString());
    }

    @Test
    void killedMidRunThenTheSameCommandEveryCustomIdIsOnceInTheOutputOrTheErrorsFile() throws Exception {
        Path output = dir.resolve("out/results.jsonl");
        Path errors = dir.resolve("out/results.errors.jsonl");
        ChildRun killed = start();
        await(() -> lines(output) >= 60, killed);
        killed.kill();
        assertThat(lines(output) + lines(errors)).isLessThan(LINES);
        // Whole lines only: the kill may have cut the last one short.
        String text = Files.readString(output);
        List<String> written =
                text.substring(0, text.lastIndexOf('\n') + 1).lines().toList();

        ChildRun resumed = start();
        assertThat(resumed.exitCode(120)).as(resumed.err()).isEqualTo(3);
        assertThat(resumed.err()).contains("was left STARTED by a process that no longer runs");

        List<JsonNode> answers = Files.readAllLines(output).stream()
                .map(JobFixture.JSON::readTree)
                .toList();
        List<JsonNode> failures = Files.readAllLines(errors).stream()
                .map(JobFixture.JSON::readTree)
                .toList();
        List<String> answered = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        IntStream.rangeClosed(1, LINES).forEach(n -> (n % 10 == 0 ? failed : answered).add("req-" + n));
        assertThat(answers).extracting(a -> a.get("custom_id").asString()).containsExactlyElementsOf(answered);
        assertThat(failures).extracting(f -> f.get("custom_id").asString()).containsExactlyElementsOf(failed);
        for (JsonNode answer : answers) {
            int n = Integer.parseInt(answer.get("custom_id").asString().substring(4));
            assertThat(answer.get("response").get("body").get("object").asString())
                    .isEqualTo(n % 3 == 0 ? "list" : n % 3 == 1 ? "chat.completion" : "text_completion");
        }
        // The lines committed before the kill stand as they were written, ids and all.
        List<String> after = Files.readAllLines(output);
        long kept = IntStream.range(0, written.size())
                .takeWhile(i -> written.get(i).equals(after.get(i)))
                .count();
        assertThat(kept).isPositive();
        for (int i = 0; i < written.size(); i++) {
            assertThat(JobFixture.JSON.readTree(after.get(i)).get("id"))
                    .isEqualTo(JobFixture.JSON.readTree(written.get(i)).get("id"));
        }
    }

    private static String line(String customId, String url, String body) {
        return "{\"custom_id\": \"" + customId + "\", \"method\": \"POST\", \"url\": \"" + url + "\", \"body\": " + body
                + "}\n";
    }

    private ChildRun start() {
        return ChildRun.start(
                dir,
                "batch",
                "-i",
                "requests.jsonl",
                "-o",
                "out/results.jsonl",
                "--concurrency",
                String.valueOf(CONCURRENCY),
                "--base-url",
                simulator.baseUrl().toString());
    }
}

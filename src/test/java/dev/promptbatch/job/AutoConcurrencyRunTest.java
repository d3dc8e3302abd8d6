package dev.promptbatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.promptbatch.cli.LogCapture;
import dev.promptbatch.ollama.ServerAddress;
import dev.promptbatch.servers.ServerTarget;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;
import dev.promptbatch.spec.JobSpec;

/**
 * A run with {@code concurrency: auto}, its server built as the run builds it from the spec: every record answered
 * once, in order, and the log and the manifest give the level chosen.
 */
class AutoConcurrencyRunTest {
    private static final int RECORDS = 160;
    private static final int SLOTS = 4;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    @Test
    void aRunWithAutoConcurrencySettlesAtTheSlotsAndAnswersEveryRecordOnceInOrder() throws IOException {
        try (OllamaSimulator simulator = OllamaSimulator.start(SimulatorTestSettings.instant()
                        .withModels(List.of("llama3.2:3b"))
                        .withParallel(SLOTS)
                        .withTokensPerSecond(1000)
                        .withMedianTokens(100));
                LogCapture log = new LogCapture()) {
            JobSpec spec = NumberedJob.write(dir, RECORDS, "out.jsonl", "");

            RunReport report = JobRunner.run(new RunSettings(
                    spec,
                    List.of(new ServerTarget(
                            ServerAddress.resolve(simulator.baseUrl().toString(), null, Map.of()),
                            ServerTarget.AUTO_CEILING,
                            true)),
                    JobDatabase.file(dir.resolve("state/db")),
                    Map.of(),
                    false,
                    false,
                    new GracefulStop(GracefulStop.DEFAULT_GRACE)));

            assertThat(report.result()).isEqualTo(RunReport.Result.COMPLETED);
            assertThat(outputIds())
                    .isEqualTo(LongStream.rangeClosed(1, RECORDS).boxed().toList());
            assertThat(simulator.stats().maxInFlight()).isLessThanOrEqualTo(ServerTarget.AUTO_CEILING);
            // The slot count, or twice as many when those give no more tokens/s.
            Matcher settled = Pattern.compile("INFO Concurrency for \\Q" + simulator.baseUrl()
                            + "\\E settled at (4|8) \\(\\d+ tokens/s; (8|16) gave \\d+ tokens/s\\)")
                    .matcher(log.text());
            assertThat(settled.find()).as(log.text()).isTrue();
            JsonNode server = JSON.readTree(dir.resolve("out.manifest.json").toFile())
                    .get("servers")
                    .get(0);
            assertThat(server.get("url").asString())
                    .isEqualTo(simulator.baseUrl().toString());
            assertThat(server.get("concurrency").asInt()).isEqualTo(Integer.parseInt(settled.group(1)));
            assertThat(server.get("auto").asBoolean()).isTrue();
        }
    }

    private List<Long> outputIds() throws IOException {
        return Files.readAllLines(dir.resolve("out.jsonl")).stream()
                .map(line -> JSON.readTree(line).get("id").asLong())
                .toList();
    }
}

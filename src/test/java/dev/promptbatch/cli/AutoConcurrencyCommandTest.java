package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;

import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/** {@code concurrency: auto} in a spec, as a user writes it: the run completes and says where it settled. */
class AutoConcurrencyCommandTest {
    private static final int RECORDS = 160;

    @TempDir
    Path dir;

    @Test
    void aServerWithAutoConcurrencySettlesAtItsSlotsAndTheLogAndManifestSaySo() throws IOException {
        try (OllamaSimulator simulator = OllamaSimulator.start(SimulatorTestSettings.instant()
                        .withModels(List.of("llama3.2:3b"))
                        .withParallel(4)
                        .withTokensPerSecond(1000)
                        .withMedianTokens(100));
                LogCapture log = new LogCapture()) {
            String url = simulator.baseUrl().toString().replaceAll("/$", "");
            JobFixture job = new JobFixture(dir, null);
            job.numberedRecords("input/n.csv", RECORDS);
            job.write("jobs/n.yaml", """
                    name: numbered
                    input: input/n.csv
                    model: llama3.2:3b
                    prompt: "{{text}}"
                    output: output/n.jsonl
                    servers:
                      - url: %s
                        concurrency: auto
                    """.formatted(url));

            assertThat(job.runAsIs("run", "jobs/n.yaml", "--db", "state/db"))
                    .as(job.err)
                    .isZero();

            assertThat(job.jsonLines("output/n.jsonl"))
                    .extracting(record -> record.get("id").asLong())
                    .isEqualTo(IntStream.rangeClosed(1, RECORDS)
                            .mapToObj(n -> (long) n)
                            .toList());
            assertThat(simulator.stats().maxInFlight()).isLessThanOrEqualTo(16);
            // The slot count, or twice as many when those give no more tokens/s.
            Matcher settled = Pattern.compile("INFO Concurrency for \\Q" + url
                            + "\\E settled at (4|8) \\(\\d+ tokens/s; (8|16) gave \\d+ tokens/s\\)")
                    .matcher(log.text());
            assertThat(settled.find()).as(log.text()).isTrue();
            JsonNode server = JobFixture.JSON
                    .readTree(dir.resolve("output/n.manifest.json").toFile())
                    .get("servers")
                    .get(0);
            assertThat(server.get("url").asString()).isEqualTo(url);
            assertThat(server.get("concurrency").asInt()).isEqualTo(Integer.parseInt(settled.group(1)));
            assertThat(server.get("auto").asBoolean()).isTrue();
        }
    }
}

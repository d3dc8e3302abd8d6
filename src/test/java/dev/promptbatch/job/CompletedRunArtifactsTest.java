package dev.promptbatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.promptbatch.ollama.ServerAddress;
import dev.promptbatch.servers.ServerTarget;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;
import dev.promptbatch.spec.JobSpec;

/** The files beside the output of a completed run: a rerun writes those the run itself never wrote. */
class CompletedRunArtifactsTest {
    @TempDir
    Path dir;

    private OllamaSimulator simulator;

    @BeforeEach
    void startSimulator() throws IOException {
        simulator = OllamaSimulator.start(SimulatorTestSettings.instant().withModels(List.of("llama3.2:3b")));
    }

    @AfterEach
    void stopSimulator() {
        simulator.close();
    }

    @Test
    void aRerunOfACompletedRunWritesTheManifestSummaryAndReportItNeverWrote() throws IOException {
        JobSpec spec = spec();
        RunReport first = JobRunner.run(settings(spec));
        assertThat(first.result()).isEqualTo(RunReport.Result.COMPLETED);
        // What a run killed between its last commit and the files beside the output leaves behind.
        List<Path> besideOutput = List.of(
                dir.resolve("out/a.manifest.json"), dir.resolve("out/a.summary.csv"), dir.resolve("out/a.html"));
        for (Path file : besideOutput) {
            Files.delete(file);
        }

        RunReport rerun = JobRunner.run(settings(spec));

        assertThat(rerun.result()).isEqualTo(RunReport.Result.ALREADY_COMPLETE);
        assertThat(rerun.message()).isNull();
        assertThat(rerun.summary().answered()).isEqualTo(3);
        assertThat(besideOutput).allSatisfy(file -> assertThat(file).isNotEmptyFile());
        JsonNode manifest = JsonMapper.builder()
                .build()
                .readTree(dir.resolve("out/a.manifest.json").toFile());
        assertThat(manifest.get("execution").asLong()).isEqualTo(first.executionId());
        assertThat(manifest.get("status").asString()).isEqualTo("COMPLETED");
        assertThat(Files.readAllLines(dir.resolve("out/a.summary.csv")).get(1)).startsWith("llama3.2:3b,,3,0,");
        assertThat(Files.readString(dir.resolve("out/a.html"))).contains("llama3.2:3b");
    }

    @Test
    void aRerunLeavesTheFilesBesideTheOutputAsTheRunWroteThem() throws IOException {
        JobSpec spec = spec();
        JobRunner.run(settings(spec));
        Path summary = dir.resolve("out/a.summary.csv");
        Files.writeString(summary, "kept\n");

        assertThat(JobRunner.run(settings(spec)).result()).isEqualTo(RunReport.Result.ALREADY_COMPLETE);

        assertThat(summary).hasContent("kept");
    }

    @Test
    void aRerunWhoseOutputIsGoneWritesNothingBesideIt() throws IOException {
        JobSpec spec = spec();
        JobRunner.run(settings(spec));
        Files.delete(dir.resolve("out/a.jsonl"));
        Files.delete(dir.resolve("out/a.summary.csv"));

        RunReport rerun = JobRunner.run(settings(spec));

        assertThat(rerun.result()).isEqualTo(RunReport.Result.ALREADY_COMPLETE);
        assertThat(rerun.message()).isEqualTo(dir.resolve("out/a.jsonl") + " is gone: the answers in it are lost");
        assertThat(dir.resolve("out/a.summary.csv")).doesNotExist();
    }

    private JobSpec spec() throws IOException {
        Files.createDirectories(dir.resolve("out"));
        return NumberedJob.write(dir, 3, "out/a.jsonl", "report: out/a.html");
    }

    private RunSettings settings(JobSpec spec) {
        return new RunSettings(
                spec,
                List.of(new ServerTarget(
                        ServerAddress.resolve(simulator.baseUrl().toString(), null, Map.of()),
                        spec.limits().concurrency(),
                        false)),
                JobDatabase.file(dir.resolve("state/db")),
                Map.of(),
                false,
                false,
                new GracefulStop(GracefulStop.DEFAULT_GRACE));
    }
}

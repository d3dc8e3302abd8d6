package dev.promptbatch.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.promptbatch.spec.JobSpec;
import dev.promptbatch.spec.SpecLoader;

class RunManifestTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    @Test
    void showsTheSpecAsResolvedKeyByKey() throws IOException {
        Path file = Files.writeString(dir.resolve("sweep.yaml"), """
                name: sweep
                input: in.csv
                id-field: id
                models: [llama3.2:3b, qwen2.5:7b]
                system: You answer briefly.
                prompt: "{{question}}"
                options: {num_predict: 64}
                format: json
                think: true
                keep-alive: 30m
                output: out/sweep.jsonl
                include: [topic]
                concurrency: 8
                timeout: 90s
                retry: {max-attempts: 3, initial-backoff: 500ms, max-backoff: 10s}
                max-failures: 5%
                max-outage: 1m
                max-record-size: 4KiB
                server: {base-url: "http://gpu-box:11434"}
                seeds: [1, 2]
                variants: [{temperature: 0.0}, {temperature: 0.8}]
                repeat: 2
                report: out/sweep.html
                """);
        JobSpec spec = new SpecLoader(dir).load(file, Map.of(), Map.of());
        Files.createDirectories(dir.resolve("out"));
        LocalDateTime start = LocalDateTime.of(2026, 11, 21, 6, 0);

        RunManifest.write(
                spec,
                new RunManifest.Facts(
                        "1.0",
                        "sweep",
                        Map.of(),
                        1,
                        "COMPLETED",
                        start,
                        start.plusMinutes(5),
                        false,
                        "http://gpu-box:11434",
                        "0.12.0",
                        List.of(),
                        42,
                        "ab",
                        List.of(),
                        List.of()));

        JsonNode shown =
                JSON.readTree(dir.resolve("out/sweep.manifest.json").toFile()).get("spec");
        assertThat(shown.propertyNames())
                .containsExactly(
                        "file",
                        "name",
                        "input",
                        "id-field",
                        "models",
                        "system",
                        "prompt",
                        "options",
                        "format",
                        "think",
                        "keep-alive",
                        "output",
                        "include",
                        "concurrency",
                        "timeout",
                        "retry",
                        "max-failures",
                        "max-outage",
                        "max-record-size",
                        "seeds",
                        "variants",
                        "repeat",
                        "report");
        assertThat(shown)
                .isEqualTo(JSON.readTree(("{\"file\":\"DIR/sweep.yaml\",\"name\":\"sweep\","
                                + "\"input\":\"DIR/in.csv\",\"id-field\":\"id\",\"models\":[\"llama3.2:3b\",\"qwen2.5:7b\"],"
                                + "\"system\":\"You answer briefly.\",\"prompt\":\"{{question}}\",\"options\":{\"num_predict\":64},"
                                + "\"format\":\"json\",\"think\":true,\"keep-alive\":\"30m\",\"output\":\"DIR/out/sweep.jsonl\","
                                + "\"include\":[\"topic\"],\"concurrency\":8,\"timeout\":\"90s\",\"retry\":{\"max-attempts\":3,"
                                + "\"initial-backoff\":\"500ms\",\"max-backoff\":\"10s\"},\"max-failures\":\"5%\","
                                + "\"max-outage\":\"1m\",\"max-record-size\":4096,\"seeds\":[1,2],\"variants\":[{\"temperature\":0.0},"
                                + "{\"temperature\":0.8}],\"repeat\":2,\"report\":\"DIR/out/sweep.html\"}")
                        .replace("DIR", dir.toString())));
    }
}

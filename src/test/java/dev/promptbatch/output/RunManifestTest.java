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

import dev.promptbatch.ollama.ModelInfo;
import dev.promptbatch.servers.ServerFacts;
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
                        List.of(new ServerFacts("http://gpu-box:11434", "0.12.0", List.of(), 8, false, true)),
                        42,
                        "ab",
                        List.of()));

        JsonNode shown =
                JSON.readTree(dir.resolve("out/sweep.manifest.json").toFile()).get("spec");
        assertThat(shown.propertyNames())
                .containsExactly(
                        "file",
                        "name",
                        "endpoint",
                        "input",
                        "id-field",
                        "models",
                        "system",
                        "prompt",
                        "messages",
                        "options",
                        "format",
                        "schema-retries",
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
                .isEqualTo(JSON.readTree(("{\"file\":\"DIR/sweep.yaml\",\"name\":\"sweep\",\"endpoint\":\"generate\","
                                + "\"input\":\"DIR/in.csv\",\"id-field\":\"id\",\"models\":[\"llama3.2:3b\",\"qwen2.5:7b\"],"
                                + "\"system\":\"You answer briefly.\",\"prompt\":\"{{question}}\",\"messages\":null,"
                                + "\"options\":{\"num_predict\":64},\"format\":\"json\",\"schema-retries\":2,\"think\":true,\"keep-alive\":\"30m\",\"output\":\"DIR/out/sweep.jsonl\","
                                + "\"include\":[\"topic\"],\"concurrency\":8,\"timeout\":\"90s\",\"retry\":{\"max-attempts\":3,"
                                + "\"initial-backoff\":\"500ms\",\"max-backoff\":\"10s\"},\"max-failures\":\"5%\","
                                + "\"max-outage\":\"1m\",\"max-record-size\":4096,\"seeds\":[1,2],\"variants\":[{\"temperature\":0.0},"
                                + "{\"temperature\":0.8}],\"repeat\":2,\"report\":\"DIR/out/sweep.html\"}")
                        .replace("DIR", dir.toString())));
    }

    @Test
    void listsEveryServerWithItsVersionConcurrencyAndDigestsAndKeepsTheFirstAsTheServer() throws IOException {
        Path file = Files.writeString(dir.resolve("two.yaml"), """
                name: two
                input: in.csv
                models: [llama3.2:3b, qwen3:0.6b]
                prompt: "{{question}}"
                output: out/two.jsonl
                """);
        JobSpec spec = new SpecLoader(dir).load(file, Map.of(), Map.of());
        Files.createDirectories(dir.resolve("out"));
        LocalDateTime start = LocalDateTime.of(2026, 11, 21, 6, 0);
        ModelInfo llamaOnGpu1 = new ModelInfo("llama3.2:3b", "llama3.2:3b", "sha256:aaa", List.of(), Map.of());
        ModelInfo qwenOnGpu1 = new ModelInfo("qwen3:0.6b", "qwen3:0.6b", "sha256:bbb", List.of(), Map.of());
        ModelInfo llamaOnGpu2 = new ModelInfo("llama3.2:3b", "llama3.2:3b", "sha256:ccc", List.of(), Map.of());
        ModelInfo other = new ModelInfo("gemma3:1b", "gemma3:1b", "sha256:ddd", List.of(), Map.of());

        RunManifest.write(
                spec,
                new RunManifest.Facts(
                        "1.0",
                        "two",
                        Map.of(),
                        1,
                        "COMPLETED",
                        start,
                        start.plusMinutes(5),
                        false,
                        List.of(
                                new ServerFacts("http://gpu0:11434", null, List.of(), 4, false, false),
                                new ServerFacts(
                                        "http://gpu1:11434",
                                        "0.12.0",
                                        List.of(llamaOnGpu1, qwenOnGpu1),
                                        8,
                                        false,
                                        true),
                                new ServerFacts(
                                        "http://gpu2:11434", "0.11.4", List.of(other, llamaOnGpu2), 3, true, true)),
                        42,
                        "ab",
                        List.of()));

        JsonNode manifest = JSON.readTree(dir.resolve("out/two.manifest.json").toFile());
        assertThat(manifest.get("server"))
                .isEqualTo(JSON.readTree("{\"url\":\"http://gpu1:11434\",\"api\":\"ollama\",\"version\":\"0.12.0\"}"));
        assertThat(manifest.get("servers")).isEqualTo(JSON.readTree("""
                        [{"url":"http://gpu0:11434","api":"ollama","version":null,"models":[],
                          "concurrency":4,"auto":false,"reached":false,"durations":null},
                         {"url":"http://gpu1:11434","api":"ollama","version":"0.12.0",
                          "models":[{"name":"llama3.2:3b","digest":"sha256:aaa"},
                                    {"name":"qwen3:0.6b","digest":"sha256:bbb"}],
                          "concurrency":8,"auto":false,"reached":true,"durations":"server"},
                         {"url":"http://gpu2:11434","api":"ollama","version":"0.11.4",
                          "models":[{"name":"llama3.2:3b","digest":"sha256:ccc"}],
                          "concurrency":3,"auto":true,"reached":true,"durations":"server"}]"""));
        assertThat(manifest.get("models").findValuesAsString("digest")).containsExactly("sha256:aaa", "sha256:bbb");
    }
}

package dev.promptbatch.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A finished run's files written by hand: two models, two variants, two seeds, a few answers in each cell, some
 * failures, and a manifest, with counts that differ per model and variant so that a mix-up shows.
 */
final class RunFixture {
    static final String LLAMA = "llama3.2:3b";
    static final String QWEN = "qwen2.5:7b";
    static final String VERSION = "0.1.0-test";
    static final String SERVER_VERSION = "0.12.6";
    static final String LLAMA_DIGEST = "sha256:8f3c1e2a9b7d4c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6";
    static final String INPUT_SHA = "c0ffee1234567890abcdef1234567890abcdef1234567890abcdef1234567890";

    private RunFixture() {}

    /**
     * Writes {@code out/sweep.jsonl}, its errors file and, if asked, its manifest. Answers per group: llama v0 6,
     * llama v1 5, qwen v0 6, qwen v1 4; failures: llama v0 1, qwen v1 2. llama v0's latencies are 110 to 160 ms.
     */
    static Path write(Path dir, boolean withManifest) {
        Path output = dir.resolve("out/sweep.jsonl");
        List<String> answers = new ArrayList<>();
        for (String model : List.of(LLAMA, QWEN)) {
            for (int variant = 0; variant < 2; variant++) {
                int count = 0;
                int wanted = answers(model, variant);
                for (long seed : List.of(1L, 2L)) {
                    for (String id : List.of("a", "b", "c")) {
                        if (count < wanted) {
                            answers.add(answer(id, model, seed, variant, count));
                            count++;
                        }
                    }
                }
            }
        }
        List<String> failures = List.of(failure("c", LLAMA, 2, 0), failure("b", QWEN, 2, 1), failure("c", QWEN, 2, 1));
        try {
            Files.createDirectories(output.getParent());
            Files.write(output, answers);
            Files.write(dir.resolve("out/sweep.errors.jsonl"), failures);
            if (withManifest) {
                Files.writeString(dir.resolve("out/sweep.manifest.json"), manifest());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return output;
    }

    private static int answers(String model, int variant) {
        if (model.equals(LLAMA)) {
            return variant == 0 ? 6 : 5;
        }
        return variant == 0 ? 6 : 4;
    }

    private static String answer(String id, String model, long seed, int variant, int index) {
        boolean llama = model.equals(LLAMA);
        double speed = (llama ? 90 : 45) + index * 2.5 - variant * 3;
        long evalCount = 40 + index * 15L + variant * 10;
        long latency = (llama ? 110 : 300) + index * 10L + variant * 40;
        return String.format(
                Locale.ROOT,
                """
                {"id":"%s","model":"%s","seed":%d,"variant":%d,"response":"Answer <%s> & more","thinking":null,\
                "done_reason":"stop","prompt_eval_count":30,"eval_count":%d,"total_duration":%d,\
                "load_duration":12000000,"prompt_eval_duration":15000000,"eval_duration":%d,\
                "tokens_per_second":%.2f,"latency_ms":%d,"attempts":1,"input":{"task":"t-%s"}}""",
                id,
                model,
                seed,
                variant,
                id,
                evalCount,
                latency * 1_000_000,
                (long) (evalCount / speed * 1e9),
                speed,
                latency,
                id);
    }

    private static String failure(String id, String model, long seed, int variant) {
        return String.format(Locale.ROOT, """
                {"id":"%s","line":3,"model":"%s","seed":%d,"variant":%d,"kind":"retries-exhausted",\
                "message":"HTTP 503","attempts":6}""", id, model, seed, variant);
    }

    private static String manifest() {
        return """
                {
                  "promptbatch": {"version": "%s"},
                  "job": "sweep",
                  "parameters": {},
                  "execution": 3,
                  "status": "COMPLETED",
                  "started": "2026-03-01T10:15:30.123",
                  "ended": "2026-03-01T10:17:05.456",
                  "simulated": true,
                  "server": {"url": "http://127.0.0.1:11434", "version": "%s"},
                  "models": [
                    {"name": "%s", "digest": "%s",
                     "details": {"family": "llama", "parameter_size": "3.2B", "quantization_level": "Q4_K_M",
                                 "format": "gguf"},
                     "capabilities": ["completion", "tools"]},
                    {"name": "%s", "digest": "sha256:aa11bb22cc33dd44ee55ff6677889900aa11bb22cc33dd44ee55ff6677889900",
                     "details": {"family": "qwen2", "parameter_size": "7.6B", "quantization_level": "Q4_K_M",
                                 "format": "gguf"},
                     "capabilities": ["completion"]}
                  ],
                  "spec": {"name": "sweep", "system": "Be brief.", "prompt": "Answer <b>{{question}}</b> & stop.",
                           "seeds": [1, 2], "variants": [{"temperature": 0.0}, {"temperature": 0.8}], "repeat": null,
                           "concurrency": 2},
                  "options": [
                    {"variant": 0, "options": {"num_predict": 128, "temperature": 0.0}},
                    {"variant": 1, "options": {"num_predict": 128, "temperature": 0.8}}
                  ],
                  "input": {"path": "input/questions.jsonl", "size": 2048, "sha256": "%s"},
                  "host": {"name": "bench-1", "os": "Linux 6.8 amd64", "cpus": 8, "memory_bytes": 4294967296,
                           "jvm": "Eclipse Adoptium OpenJDK 64-Bit Server VM 17.0.12"}
                }
                """.formatted(VERSION, SERVER_VERSION, LLAMA, LLAMA_DIGEST, QWEN, INPUT_SHA);
    }
}

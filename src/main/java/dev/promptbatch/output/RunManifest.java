package dev.promptbatch.output;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

import dev.promptbatch.ollama.ModelInfo;
import dev.promptbatch.spec.JobSpec;
import dev.promptbatch.spec.SpecValues;

/**
 * {@code NAME.manifest.json} beside the output: what is needed to reproduce a run and to trust its numbers. The
 * PromptBatch version, the server and the digests of its models, the spec as resolved, the exact options of every
 * variant, the input's size and SHA-256, the host, when it ran, and whether the simulator answered.
 */
public final class RunManifest {
    private static final JsonMapper JSON =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    /** What is known of the run besides its spec. */
    public record Facts(
            String version,
            String job,
            Map<String, String> parameters,
            long execution,
            String status,
            LocalDateTime started,
            LocalDateTime ended,
            boolean simulated,
            String serverUrl,
            String serverVersion,
            List<ModelInfo> serverModels,
            long inputSize,
            String inputSha256,
            List<Map<String, Object>> options,
            List<Map<String, Object>> servers) {}

    private RunManifest() {}

    public static Path fileFor(Path output) {
        String file = output.getFileName().toString();
        return output.resolveSibling(file.substring(0, file.lastIndexOf('.')) + ".manifest.json");
    }

    public static void write(JobSpec spec, Facts facts) {
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("promptbatch", Map.of("version", facts.version()));
        manifest.put("job", facts.job());
        manifest.put("parameters", facts.parameters());
        manifest.put("execution", facts.execution());
        manifest.put("status", facts.status());
        manifest.put("started", String.valueOf(facts.started()));
        manifest.put("ended", String.valueOf(facts.ended()));
        manifest.put("simulated", facts.simulated());
        manifest.put("server", Map.of("url", facts.serverUrl(), "version", String.valueOf(facts.serverVersion())));
        manifest.put("servers", facts.servers());
        List<Map<String, Object>> models = new ArrayList<>();
        for (String model : spec.generation().models()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", model);
            facts.serverModels().stream()
                    .filter(m -> m.matches(model))
                    .findFirst()
                    .ifPresent(info -> {
                        entry.put("digest", info.digest());
                        entry.put("details", info.details());
                        entry.put("capabilities", info.capabilities());
                    });
            models.add(entry);
        }
        manifest.put("models", models);
        manifest.put("spec", SpecValues.all(spec));
        manifest.put("options", facts.options());
        manifest.put(
                "input",
                Map.of(
                        "path",
                        spec.input().file().toString(),
                        "size",
                        facts.inputSize(),
                        "sha256",
                        facts.inputSha256()));
        manifest.put("host", host());
        try {
            JSON.writeValue(fileFor(spec.output().file()).toFile(), manifest);
        } catch (RuntimeException e) {
            throw new UncheckedIOException(
                    new IOException("cannot write " + fileFor(spec.output().file()), e));
        }
    }

    private static Map<String, Object> host() {
        Map<String, Object> host = new LinkedHashMap<>();
        String name;
        try {
            name = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            name = "unknown";
        }
        host.put("name", name);
        host.put(
                "os",
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"));
        host.put("cpus", Runtime.getRuntime().availableProcessors());
        host.put("memory_bytes", Runtime.getRuntime().maxMemory());
        host.put(
                "jvm",
                System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " "
                        + System.getProperty("java.version"));
        return host;
    }
}

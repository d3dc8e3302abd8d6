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

import dev.promptbatch.ollama.ModelInfo;
import dev.promptbatch.spec.Durations;
import dev.promptbatch.spec.JobSpec;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code NAME.manifest.json} beside the output: what is needed to reproduce a run and to trust its numbers. The
 * PromptBatch version, the server and the digests of its models, the spec as resolved, the exact options of every
 * variant, the input's size and SHA-256, the host, when it ran, and whether the simulator answered.
 */
public final class RunManifest {
    private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    /** What is known of the run besides its spec. */
    public record Facts(String version, String job, Map<String, String> parameters, long execution, String status,
            LocalDateTime started, LocalDateTime ended, boolean simulated, String serverUrl, String serverVersion,
            List<ModelInfo> serverModels, long inputSize, String inputSha256, List<Map<String, Object>> options) {
    }

    private RunManifest() {
    }

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
        List<Map<String, Object>> models = new ArrayList<>();
        for (String model : spec.generation().models()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", model);
            facts.serverModels().stream().filter(m -> m.matches(model)).findFirst().ifPresent(info -> {
                entry.put("digest", info.digest());
                entry.put("details", info.details());
                entry.put("capabilities", info.capabilities());
            });
            models.add(entry);
        }
        manifest.put("models", models);
        manifest.put("spec", resolved(spec));
        manifest.put("options", facts.options());
        manifest.put("input", Map.of("path", spec.input().file().toString(), "size", facts.inputSize(), "sha256",
                facts.inputSha256()));
        manifest.put("host", host());
        try {
            JSON.writeValue(fileFor(spec.output().file()).toFile(), manifest);
        } catch (RuntimeException e) {
            throw new UncheckedIOException(new IOException("cannot write " + fileFor(spec.output().file()), e));
        }
    }

    private static Map<String, Object> resolved(JobSpec spec) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("file", spec.specFile().toString());
        values.put("name", spec.name());
        values.put("input", spec.input().file().toString());
        values.put("id-field", spec.input().idField());
        values.put("models", spec.generation().models());
        values.put("system", spec.generation().system());
        values.put("prompt", spec.generation().prompt());
        values.put("options", spec.generation().options());
        values.put("format", spec.generation().format());
        values.put("think", spec.generation().think());
        values.put("keep-alive", spec.generation().keepAlive());
        values.put("output", spec.output().file().toString());
        values.put("include", spec.output().include());
        values.put("concurrency", spec.limits().concurrency());
        values.put("timeout", Durations.format(spec.limits().timeout()));
        values.put("retry", Map.of("max-attempts", spec.limits().retry().maxAttempts(), "initial-backoff",
                Durations.format(spec.limits().retry().initialBackoff()), "max-backoff",
                Durations.format(spec.limits().retry().maxBackoff())));
        values.put("max-failures", spec.limits().maxFailures().toString());
        values.put("max-outage", Durations.format(spec.limits().maxOutage()));
        values.put("max-record-size", spec.input().maxRecordBytes());
        values.put("seeds", spec.sweep().seeds());
        values.put("variants", spec.sweep().variants());
        values.put("repeat", spec.sweep().repeat());
        values.put("report", spec.output().report() == null ? null : spec.output().report().toString());
        return values;
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
        host.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        host.put("cpus", Runtime.getRuntime().availableProcessors());
        host.put("memory_bytes", Runtime.getRuntime().maxMemory());
        host.put("jvm", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.version"));
        return host;
    }
}

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

import dev.promptbatch.servers.ServerFacts;
import dev.promptbatch.spec.JobSpec;
import dev.promptbatch.spec.SpecValues;

/**
 * {@code NAME.manifest.json} beside the output: what is needed to reproduce a run and to trust its numbers. The
 * PromptBatch version, every server with its version, concurrency and the digests of the run's models on it, the spec
 * as resolved, the exact options of every variant, the input's size and SHA-256, the host, when it ran, and whether
 * the simulator answered.
 */
public final class RunManifest {
    private static final JsonMapper JSON =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    /**
     * What is known of the run besides its spec.
     *
     * @param servers every server of the run, in the spec's order, those that did not answer its checks too; the
     *     first that answered is also the manifest's {@code server}, as manifests of a single server have it
     */
    public record Facts(
            String version,
            String job,
            Map<String, String> parameters,
            long execution,
            String status,
            LocalDateTime started,
            LocalDateTime ended,
            boolean simulated,
            List<ServerFacts> servers,
            long inputSize,
            String inputSha256,
            List<Map<String, Object>> options) {}

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
        manifest.put("endpoint", spec.generation().endpoint().key());
        if (spec.embedding() != null) {
            manifest.put("batch_size", spec.embedding().batchSize());
        }
        if (!facts.servers().isEmpty()) {
            ServerFacts first = facts.servers().stream()
                    .filter(server -> !Boolean.FALSE.equals(server.reached()))
                    .findFirst()
                    .orElse(facts.servers().get(0));
            Map<String, Object> server = new LinkedHashMap<>();
            server.put("url", first.url());
            server.put("api", first.api());
            server.put("version", first.version());
            manifest.put("server", server);
        }
        manifest.put(
                "servers",
                facts.servers().stream()
                        .map(server -> server(server, spec.generation().models()))
                        .toList());
        List<Map<String, Object>> models = new ArrayList<>();
        for (String model : spec.generation().models()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", model);
            facts.servers().stream()
                    .flatMap(server -> server.models().stream())
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

    /**
     * One server: where, the API it speaks, which version, its bound on requests in flight, the digest of each run
     * model it has, whether it answered the checks before the run (one that did not has no version nor models), and
     * whose time its answers' durations are ({@code none}: the server reported none, so tokens/s come from the
     * latency measured here).
     */
    private static Map<String, Object> server(ServerFacts server, List<String> runModels) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("url", server.url());
        entry.put("api", server.api());
        entry.put("version", server.version());
        List<Map<String, Object>> models = new ArrayList<>();
        for (String model : runModels) {
            server.models().stream().filter(m -> m.matches(model)).findFirst().ifPresent(info -> {
                Map<String, Object> named = new LinkedHashMap<>();
                named.put("name", model);
                named.put("digest", info.digest());
                models.add(named);
            });
        }
        entry.put("models", models);
        entry.put("concurrency", server.concurrency());
        entry.put("auto", server.auto());
        entry.put("reached", server.reached());
        entry.put("durations", server.durations());
        return entry;
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

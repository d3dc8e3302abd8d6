package dev.promptbatch.spec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

import dev.promptbatch.output.OutputFormat;

/**
 * A spec's values key by key as the YAML names them, and which of them shape the answers: the manifest shows them
 * all, and a run's fingerprint hashes those that shape the answers, so that a resumed run never mixes two prompts
 * (or two inputs, models, sweeps...) in one output. A value that shapes the answers must keep its form here, or
 * every job database written before no longer resumes.
 */
@NullMarked
public final class SpecValues {
    /**
     * @param unhashedAt for a key that shapes the answers but came after job databases were written: the value
     *                   (its default) at which the fingerprint leaves it out, so that those runs still resume
     * @param onlyWhenSet for a key of a feature most jobs do not use: left out of the manifest too while unset
     */
    private record Key(
            String name,
            boolean shapesAnswers,
            Function<JobSpec, @Nullable Object> value,
            @Nullable Object unhashedAt,
            boolean addedLater,
            boolean onlyWhenSet) {
        Key(String name, boolean shapesAnswers, Function<JobSpec, @Nullable Object> value) {
            this(name, shapesAnswers, value, null, false, false);
        }

        static Key addedLater(String name, Function<JobSpec, @Nullable Object> value, @Nullable Object unhashedAt) {
            return new Key(name, true, value, unhashedAt, true, false);
        }

        static Key onlyWhenSet(String name, boolean shapesAnswers, Function<JobSpec, @Nullable Object> value) {
            return new Key(name, shapesAnswers, value, null, shapesAnswers, true);
        }
    }

    private static final List<Key> KEYS = List.of(
            new Key("file", false, spec -> spec.specFile().toString()),
            new Key("name", false, JobSpec::name),
            Key.addedLater("endpoint", spec -> spec.generation().endpoint().key(), Endpoint.GENERATE.key()),
            new Key("input", true, spec -> spec.input().file().toString()),
            Key.onlyWhenSet(
                    "input-format",
                    true,
                    spec -> spec.batchInput() ? spec.input().format().key() : null),
            new Key("id-field", true, spec -> spec.input().idField()),
            new Key("models", true, spec -> spec.generation().models()),
            new Key("system", true, spec -> spec.generation().system()),
            new Key("prompt", true, spec -> spec.generation().prompt()),
            Key.addedLater("messages", spec -> messages(spec.chat()), null),
            new Key("options", true, spec -> spec.generation().options()),
            new Key("format", true, spec -> spec.generation().format()),
            new Key("schema-retries", false, spec -> spec.limits().schemaRetries()),
            new Key("think", true, spec -> spec.generation().think()),
            new Key("keep-alive", false, spec -> spec.generation().keepAlive()),
            Key.onlyWhenSet(
                    "images", true, spec -> images(spec) ? spec.input().images().fields() : null),
            Key.onlyWhenSet(
                    "batch-size",
                    true,
                    spec -> spec.embedding() == null ? null : spec.embedding().batchSize()),
            Key.onlyWhenSet(
                    "dimensions",
                    true,
                    spec -> spec.embedding() == null ? null : spec.embedding().dimensions()),
            Key.onlyWhenSet(
                    "truncate",
                    true,
                    spec -> spec.embedding() == null ? null : spec.embedding().truncate()),
            new Key("output", true, spec -> spec.output().file().toString()),
            Key.onlyWhenSet(
                    "output-format",
                    true,
                    spec -> spec.output().format() == OutputFormat.OPENAI_BATCH
                            ? spec.output().format().key()
                            : null),
            new Key("include", true, spec -> spec.output().include()),
            new Key(
                    "concurrency",
                    false,
                    spec -> spec.limits().autoConcurrency()
                            ? "auto"
                            : spec.limits().concurrency()),
            new Key("timeout", false, spec -> Durations.format(spec.limits().timeout())),
            new Key("retry", false, spec -> retry(spec.limits().retry())),
            new Key("max-failures", false, spec -> spec.limits().maxFailures().toString()),
            new Key("max-outage", false, spec -> Durations.format(spec.limits().maxOutage())),
            new Key("max-record-size", false, spec -> spec.input().maxRecordBytes()),
            Key.onlyWhenSet(
                    "max-image-size",
                    false,
                    spec -> images(spec) ? spec.input().images().maxBytes() : null),
            // Another API sends the same job differently (defaults, templates): an answer of one does not stand in for
            // the other's. Only when a server speaks OpenAI's, so that every database written before still resumes.
            Key.onlyWhenSet("api", true, SpecValues::apis),
            new Key("seeds", true, spec -> spec.sweep().seeds()),
            new Key("variants", true, spec -> spec.sweep().variants()),
            new Key("repeat", true, spec -> spec.sweep().repeat()),
            new Key("report", false, spec -> Objects.toString(spec.output().report(), null)),
            Key.onlyWhenSet(
                    "metrics-file",
                    false,
                    spec -> Objects.toString(spec.output().metrics(), null)));

    private SpecValues() {}

    /** Every value that applies, in the order of the spec's documentation. */
    public static Map<String, @Nullable Object> all(JobSpec spec) {
        return values(spec, false);
    }

    /** The values that shape the answers: a change in any of them makes another run. */
    public static Map<String, @Nullable Object> shapingAnswers(JobSpec spec) {
        return values(spec, true);
    }

    /** The keys whose values shape the answers, in order. */
    public static List<String> shapingKeys() {
        return KEYS.stream().filter(Key::shapesAnswers).map(Key::name).toList();
    }

    private static Map<String, @Nullable Object> values(JobSpec spec, boolean onlyShaping) {
        Map<String, @Nullable Object> values = new LinkedHashMap<>();
        for (Key key : KEYS) {
            if (key.shapesAnswers() || !onlyShaping) {
                Object value = key.value().apply(spec);
                boolean unset = key.onlyWhenSet() && value == null;
                boolean unhashed = onlyShaping && key.addedLater() && Objects.equals(value, key.unhashedAt());
                if (!unset && !unhashed) {
                    values.put(key.name(), value);
                }
            }
        }
        return values;
    }

    /** Each server's API in the spec's order, or null when every one is Ollama's. */
    private static @Nullable List<String> apis(JobSpec spec) {
        JobSpec.Server server = spec.server();
        if (!server.anyOpenAi()) {
            return null;
        }
        return server.servers().isEmpty()
                ? List.of(server.api().key())
                : server.servers().stream().map(entry -> entry.api().key()).toList();
    }

    private static boolean images(JobSpec spec) {
        return spec.input().images().any();
    }

    private static @Nullable List<Map<String, String>> messages(JobSpec.Chat chat) {
        if (chat.messages().isEmpty()) {
            return null;
        }
        return chat.messages().stream()
                .map(m -> {
                    Map<String, String> message = new LinkedHashMap<>();
                    message.put("role", m.role());
                    message.put("content", m.content());
                    return message;
                })
                .toList();
    }

    private static Map<String, Object> retry(RetrySpec retry) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("max-attempts", retry.maxAttempts());
        values.put("initial-backoff", Durations.format(retry.initialBackoff()));
        values.put("max-backoff", Durations.format(retry.maxBackoff()));
        return values;
    }
}

package dev.promptbatch.spec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

/**
 * A spec's values key by key as the YAML names them, and which of them shape the answers: the manifest shows them
 * all, and a run's fingerprint hashes those that shape the answers, so that a resumed run never mixes two prompts
 * (or two inputs, models, sweeps...) in one output. A value that shapes the answers must keep its form here, or
 * every job database written before no longer resumes.
 */
@NullMarked
public final class SpecValues {
    /**
     * @param before what a run made before the key existed meant by it: while the key holds that, it is left out
     *     (so that job databases written before the key still resume, and a generate job's manifest does not list
     *     the embed keys)
     */
    private record Key(
            String name,
            boolean shapesAnswers,
            Function<JobSpec, @Nullable Object> value,
            @Nullable Object before) {
        Key(String name, boolean shapesAnswers, Function<JobSpec, @Nullable Object> value) {
            this(name, shapesAnswers, value, ABSENT);
        }
    }

    /** What no value equals: the key of an original spec, hashed whatever it holds. */
    private static final Object ABSENT = new Object();

    private static final List<Key> KEYS = List.of(
            new Key("file", false, spec -> spec.specFile().toString()),
            new Key("name", false, JobSpec::name),
            new Key("input", true, spec -> spec.input().file().toString()),
            new Key("id-field", true, spec -> spec.input().idField()),
            new Key("models", true, spec -> spec.generation().models()),
            new Key("endpoint", true, spec -> spec.generation().endpoint().key(), Endpoint.GENERATE.key()),
            new Key("system", true, spec -> spec.generation().system()),
            new Key("prompt", true, spec -> spec.generation().prompt()),
            new Key("options", true, spec -> spec.generation().options()),
            new Key("format", true, spec -> spec.generation().format()),
            new Key("think", true, spec -> spec.generation().think()),
            new Key("keep-alive", false, spec -> spec.generation().keepAlive()),
            new Key(
                    "batch-size",
                    true,
                    spec -> spec.embedding() == null ? null : spec.embedding().batchSize(),
                    null),
            new Key(
                    "dimensions",
                    true,
                    spec -> spec.embedding() == null ? null : spec.embedding().dimensions(),
                    null),
            new Key(
                    "truncate",
                    true,
                    spec -> spec.embedding() == null ? null : spec.embedding().truncate(),
                    null),
            new Key("output", true, spec -> spec.output().file().toString()),
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
            new Key("seeds", true, spec -> spec.sweep().seeds()),
            new Key("variants", true, spec -> spec.sweep().variants()),
            new Key("repeat", true, spec -> spec.sweep().repeat()),
            new Key("report", false, spec -> Objects.toString(spec.output().report(), null)));

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
                if (!Objects.equals(value, key.before())) {
                    values.put(key.name(), value);
                }
            }
        }
        return values;
    }

    private static Map<String, Object> retry(RetrySpec retry) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("max-attempts", retry.maxAttempts());
        values.put("initial-backoff", Durations.format(retry.initialBackoff()));
        values.put("max-backoff", Durations.format(retry.maxBackoff()));
        return values;
    }
}

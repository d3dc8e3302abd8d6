package dev.promptbatch.output;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import com.opencsv.CSVWriter;
import com.opencsv.ICSVWriter;

import tools.jackson.databind.JsonNode;

/**
 * Statistics of a run per model and variant, read back from its output and errors files, so that a run resumed
 * several times is summarised as a whole: the console table at the end of a run, {@code NAME.summary.csv}, and the
 * numbers of the HTML report.
 */
public final class RunSummary {
    private static final List<String> CSV_COLUMNS = List.of("model", "variant", "answers", "failures",
            "latency_p50_ms", "latency_p95_ms", "latency_p99_ms", "tokens_per_second_median",
            "tokens_per_second_mean", "tokens_per_second_stddev", "tokens_per_second_spread_across_seeds_repeats",
            "prompt_tokens_per_second_median", "load_ms_median", "output_tokens_median", "output_tokens_mean");

    /** Nearest-rank percentiles, mean, standard deviation (population) and range of some values. */
    public record Stats(int count, double p50, double p95, double p99, double mean, double stddev, double min,
            double max) {
        public static Stats of(List<Double> values) {
            if (values.isEmpty()) {
                return new Stats(0, 0, 0, 0, 0, 0, 0, 0);
            }
            double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double mean = Arrays.stream(sorted).average().orElse(0);
            double variance = Arrays.stream(sorted).map(v -> (v - mean) * (v - mean)).average().orElse(0);
            return new Stats(sorted.length, rank(sorted, 50), rank(sorted, 95), rank(sorted, 99), mean,
                    Math.sqrt(variance), sorted[0], sorted[sorted.length - 1]);
        }

        private static double rank(double[] sorted, double percentile) {
            int rank = (int) Math.ceil(percentile / 100.0 * sorted.length);
            return sorted[Math.max(0, rank - 1)];
        }
    }

    /** One model, or one variant of a model: what its answers measured. */
    public static final class Group {
        private final String model;
        private final Integer variant;
        private long answers;
        private long failures;
        private long generatedTokens;
        private final List<Double> latencyMs = new ArrayList<>();
        private final List<Double> tokensPerSecond = new ArrayList<>();
        private final List<Double> promptTokensPerSecond = new ArrayList<>();
        private final List<Double> loadMs = new ArrayList<>();
        private final List<Double> outputTokens = new ArrayList<>();
        private final Map<String, List<Double>> speedBySeedAndRepeat = new LinkedHashMap<>();

        Group(String model, Integer variant) {
            this.model = model;
            this.variant = variant;
        }

        public String model() {
            return model;
        }

        /** The variant's index, or null when the spec has no variants. */
        public Integer variant() {
            return variant;
        }

        /** "model", or "model v1" for a variant. */
        public String label() {
            return variant == null ? model : model + " v" + variant;
        }

        public long answers() {
            return answers;
        }

        public long failures() {
            return failures;
        }

        public long generatedTokens() {
            return generatedTokens;
        }

        public Stats latencyMs() {
            return Stats.of(latencyMs);
        }

        public Stats tokensPerSecond() {
            return Stats.of(tokensPerSecond);
        }

        public Stats promptTokensPerSecond() {
            return Stats.of(promptTokensPerSecond);
        }

        public Stats loadMs() {
            return Stats.of(loadMs);
        }

        public Stats outputTokens() {
            return Stats.of(outputTokens);
        }

        /** How much the mean tokens/s of each seed and repetition differ: their standard deviation. */
        public double speedSpreadAcrossSeedsAndRepeats() {
            List<Double> means = new ArrayList<>();
            speedBySeedAndRepeat.values().forEach(speeds -> means.add(Stats.of(speeds).mean()));
            return Stats.of(means).stddev();
        }

        /** Each answer's latency in milliseconds, in output order: for the report's distribution. */
        public List<Double> latencies() {
            return List.copyOf(latencyMs);
        }

        /** Each answer's tokens/s, in output order. */
        public List<Double> speeds() {
            return List.copyOf(tokensPerSecond);
        }

        /** Each answer's eval_count, in output order. */
        public List<Double> lengths() {
            return List.copyOf(outputTokens);
        }

        private void add(JsonNode answer) {
            answers++;
            long evalCount = answer.path("eval_count").asLong(0);
            generatedTokens += evalCount;
            latencyMs.add(answer.path("latency_ms").asDouble(0));
            outputTokens.add((double) evalCount);
            JsonNode speed = answer.path("tokens_per_second");
            if (speed.isNumber()) {
                tokensPerSecond.add(speed.asDouble());
                speedBySeedAndRepeat.computeIfAbsent(answer.path("seed").asString("") + "/"
                        + answer.path("repeat").asString(""), k -> new ArrayList<>()).add(speed.asDouble());
            }
            long promptCount = answer.path("prompt_eval_count").asLong(0);
            long promptNanos = answer.path("prompt_eval_duration").asLong(0);
            if (promptCount > 0 && promptNanos > 0) {
                promptTokensPerSecond.add(promptCount * 1e9 / promptNanos);
            }
            JsonNode load = answer.path("load_duration");
            if (load.isNumber()) {
                loadMs.add(load.asDouble() / 1e6);
            }
        }
    }

    private final Map<String, Group> groups = new LinkedHashMap<>();

    private RunSummary() {
    }

    /** Reads the run's files; {@code cells} give the order in which models and variants are listed. */
    public static RunSummary read(OutputFiles files, List<Cell> cells) {
        RunSummary summary = new RunSummary();
        cells.forEach(cell -> summary.group(cell.model(), cell.variant()));
        try {
            if (Files.exists(files.output())) {
                OutputRecords.forEach(files.output(), answer -> summary.group(answer).add(answer));
            }
            if (Files.exists(files.errors())) {
                OutputRecords.forEach(files.errors(), failure -> summary.group(failure).failures++);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return summary;
    }

    public List<Group> groups() {
        return List.copyOf(groups.values());
    }

    public long answered() {
        return groups.values().stream().mapToLong(g -> g.answers).sum();
    }

    public long failed() {
        return groups.values().stream().mapToLong(g -> g.failures).sum();
    }

    /**
     * The console table: per model (and variant), records, answered, failed, the median generation speed and the
     * latency; then the whole run's throughput over its wall time.
     */
    public String table(Duration wallTime) {
        double seconds = Math.max(wallTime.toMillis(), 1) / 1000.0;
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%-24s %8s %8s %8s %13s %14s %14s%n", "model", "records",
                "answered", "failed", "tokens/s p50", "latency p50", "latency p95"));
        long generated = 0;
        for (Group g : groups.values()) {
            Stats latency = g.latencyMs();
            out.append(String.format(Locale.ROOT, "%-24s %8d %8d %8d %13.1f %11.0f ms %11.0f ms%n", g.label(),
                    g.answers + g.failures, g.answers, g.failures, g.tokensPerSecond().p50(), latency.p50(),
                    latency.p95()));
            generated += g.generatedTokens;
        }
        out.append(String.format(Locale.ROOT, "all models: %.1f answers/min, %.1f generated tokens/s%n",
                answered() / seconds * 60, generated / seconds));
        return out.toString();
    }

    /** Writes {@code NAME.summary.csv}: one row per model and variant. */
    public void writeCsv(Path file) {
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
                ICSVWriter csv = new CSVWriter(out, ',', '"', '"', "\r\n")) {
            csv.writeNext(CSV_COLUMNS.toArray(String[]::new), false);
            for (Group g : groups.values()) {
                Stats latency = g.latencyMs();
                Stats speed = g.tokensPerSecond();
                csv.writeNext(new String[] {g.model, g.variant == null ? "" : g.variant.toString(),
                        String.valueOf(g.answers), String.valueOf(g.failures), number(latency.p50()),
                        number(latency.p95()), number(latency.p99()), number(speed.p50()), number(speed.mean()),
                        number(speed.stddev()), number(g.speedSpreadAcrossSeedsAndRepeats()),
                        number(g.promptTokensPerSecond().p50()), number(g.loadMs().p50()),
                        number(g.outputTokens().p50()), number(g.outputTokens().mean())}, false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static String number(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }

    private Group group(JsonNode record) {
        JsonNode variant = record.path("variant");
        return group(record.path("model").asString(), variant.isNumber() ? variant.asInt() : null);
    }

    private Group group(String model, Integer variant) {
        return groups.computeIfAbsent(model + "\u0000" + Objects.toString(variant, ""),
                key -> new Group(model, variant));
    }
}

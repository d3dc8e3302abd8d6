package dev.promptbatch.output;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
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

import com.opencsv.CSVReader;
import com.opencsv.CSVReaderBuilder;
import com.opencsv.RFC4180ParserBuilder;
import com.opencsv.exceptions.CsvException;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Per-model statistics of a run, read back from its output and errors files, so that a run resumed several times
 * is summarised as a whole.
 */
public final class RunSummary {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** One model's figures. */
    public static final class ModelStatistics {
        private final String model;
        private long answered;
        private long failed;
        private long generatedTokens;
        private final List<Long> latencies = new ArrayList<>();
        private final List<Double> speeds = new ArrayList<>();

        ModelStatistics(String model) {
            this.model = model;
        }

        public String model() {
            return model;
        }

        public long answered() {
            return answered;
        }

        public long failed() {
            return failed;
        }

        public long generatedTokens() {
            return generatedTokens;
        }

        /** The latency at this percentile (nearest rank), in milliseconds; 0 with no answers. */
        public long latencyPercentile(double percentile) {
            return (long) percentile(latencies.stream().mapToDouble(Long::doubleValue).toArray(), percentile);
        }

        /** The median generation speed of the answers (their {@code tokens_per_second}); 0 with none. */
        public double medianTokensPerSecond() {
            return percentile(speeds.stream().mapToDouble(Double::doubleValue).toArray(), 50);
        }
    }

    private final Map<String, ModelStatistics> models = new LinkedHashMap<>();

    private RunSummary() {
    }

    public static RunSummary read(OutputFiles files, List<String> modelOrder) {
        RunSummary summary = new RunSummary();
        modelOrder.forEach(summary::model);
        try {
            if (Files.exists(files.output())) {
                if (files.csv()) {
                    summary.readCsv(files.output());
                } else {
                    summary.readJsonLines(files.output());
                }
            }
            if (Files.exists(files.errors())) {
                try (BufferedReader in = Files.newBufferedReader(files.errors(), StandardCharsets.UTF_8)) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        if (!line.isBlank()) {
                            summary.model(JSON.readTree(line).path("model").asString()).failed++;
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return summary;
    }

    public List<ModelStatistics> models() {
        return List.copyOf(models.values());
    }

    public long answered() {
        return models.values().stream().mapToLong(m -> m.answered).sum();
    }

    public long failed() {
        return models.values().stream().mapToLong(m -> m.failed).sum();
    }

    /**
     * The console table: per model, records, answered, failed, the median generation speed and the latency; then
     * the whole run's throughput over its wall time.
     */
    public String table(Duration wallTime) {
        double seconds = Math.max(wallTime.toMillis(), 1) / 1000.0;
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%-24s %8s %8s %8s %13s %14s %14s%n", "model", "records",
                "answered", "failed", "tokens/s p50", "latency p50", "latency p95"));
        long generated = 0;
        for (ModelStatistics m : models.values()) {
            out.append(String.format(Locale.ROOT, "%-24s %8d %8d %8d %13.1f %11d ms %11d ms%n", m.model,
                    m.answered + m.failed, m.answered, m.failed, m.medianTokensPerSecond(), m.latencyPercentile(50),
                    m.latencyPercentile(95)));
            generated += m.generatedTokens;
        }
        out.append(String.format(Locale.ROOT, "all models: %.1f answers/min, %.1f generated tokens/s%n",
                answered() / seconds * 60, generated / seconds));
        return out.toString();
    }

    /** Nearest-rank percentile; 0 for no values. */
    static double percentile(double[] values, double percentile) {
        if (values.length == 0) {
            return 0;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(percentile / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private ModelStatistics model(String name) {
        return models.computeIfAbsent(name, ModelStatistics::new);
    }

    private void add(String model, long evalCount, long latencyMs, Double tokensPerSecond) {
        ModelStatistics m = model(model);
        m.answered++;
        m.generatedTokens += evalCount;
        m.latencies.add(latencyMs);
        if (tokensPerSecond != null) {
            m.speeds.add(tokensPerSecond);
        }
    }

    private void readJsonLines(Path file) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.isBlank()) {
                    JsonNode answer = JSON.readTree(line);
                    JsonNode speed = answer.path("tokens_per_second");
                    add(answer.path("model").asString(), answer.path("eval_count").asLong(0),
                            answer.path("latency_ms").asLong(0), speed.isNumber() ? speed.asDouble() : null);
                }
            }
        }
    }

    private void readCsv(Path file) throws IOException {
        try (CSVReader in = new CSVReaderBuilder(Files.newBufferedReader(file, StandardCharsets.UTF_8))
                .withCSVParser(new RFC4180ParserBuilder().build()).build()) {
            String[] header = in.readNext();
            if (header == null) {
                return;
            }
            List<String> columns = Arrays.asList(header);
            int model = columns.indexOf("model");
            int evalCount = columns.indexOf("eval_count");
            int latency = columns.indexOf("latency_ms");
            int speed = columns.indexOf("tokens_per_second");
            String[] row;
            while ((row = in.readNext()) != null) {
                add(row[model], row[evalCount].isEmpty() ? 0 : Long.parseLong(row[evalCount]),
                        Long.parseLong(row[latency]), row[speed].isEmpty() ? null : Double.valueOf(row[speed]));
            }
        } catch (CsvException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }
}

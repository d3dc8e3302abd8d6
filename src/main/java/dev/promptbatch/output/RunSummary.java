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
            if (latencies.isEmpty()) {
                return 0;
            }
            long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            int rank = (int) Math.ceil(percentile / 100.0 * sorted.length);
            return sorted[Math.max(0, rank - 1)];
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

    /** The console table: records, answered, failed, throughput and latency per model, over the given wall time. */
    public String table(Duration wallTime) {
        double seconds = Math.max(wallTime.toMillis(), 1) / 1000.0;
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%-24s %8s %8s %8s %11s %9s %9s %9s%n", "model", "records",
                "answered", "failed", "answers/min", "tokens/s", "p50 ms", "p95 ms"));
        for (ModelStatistics m : models.values()) {
            out.append(String.format(Locale.ROOT, "%-24s %8d %8d %8d %11.1f %9.1f %9d %9d%n", m.model,
                    m.answered + m.failed, m.answered, m.failed, m.answered / seconds * 60,
                    m.generatedTokens / seconds, m.latencyPercentile(50), m.latencyPercentile(95)));
        }
        return out.toString();
    }

    private ModelStatistics model(String name) {
        return models.computeIfAbsent(name, ModelStatistics::new);
    }

    private void add(String model, long evalCount, long latencyMs) {
        ModelStatistics m = model(model);
        m.answered++;
        m.generatedTokens += evalCount;
        m.latencies.add(latencyMs);
    }

    private void readJsonLines(Path file) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.isBlank()) {
                    JsonNode answer = JSON.readTree(line);
                    add(answer.path("model").asString(), answer.path("eval_count").asLong(0),
                            answer.path("latency_ms").asLong(0));
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
            String[] row;
            while ((row = in.readNext()) != null) {
                add(row[model], row[evalCount].isEmpty() ? 0 : Long.parseLong(row[evalCount]),
                        Long.parseLong(row[latency]));
            }
        } catch (CsvException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }
}

package dev.promptbatch.output;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

import com.opencsv.CSVWriter;
import com.opencsv.ICSVWriter;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.promptbatch.outcome.Answer;
import dev.promptbatch.outcome.Cell;

/**
 * Statistics of a run per model and variant, and per model and server when the run used several servers, read back
 * from its output and errors files, so that a run resumed several times is summarised as a whole: the console table
 * at the end of a run, {@code NAME.summary.csv}, and the numbers of the HTML report. Memory stays the same however
 * long the output: see {@link Measure}.
 *
 * <p>An embed run ({@code endpoint: embed} in the manifest, or records with an {@code embedding}) is summarised per
 * request rather than per record: every record of a request carries the request's batch number and statistics, and
 * a request's records are adjacent in the output (it is written whole, in input order), so a record that differs from
 * the one before it in pass, batch or statistics starts another request. Its latency and prompt tokens count once.
 */
public final class RunSummary {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final List<String> EMBED_CSV_COLUMNS = List.of(
            "model",
            "variant",
            "batch_size",
            "records",
            "embedded",
            "failures",
            "requests",
            "records_per_second",
            "prompt_tokens_per_second",
            "latency_p50_ms",
            "latency_p95_ms",
            "latency_p99_ms");
    private static final List<String> CSV_COLUMNS = List.of(
            "model",
            "variant",
            "answers",
            "failures",
            "latency_p50_ms",
            "latency_p95_ms",
            "latency_p99_ms",
            "tokens_per_second_median",
            "tokens_per_second_mean",
            "tokens_per_second_stddev",
            "tokens_per_second_spread_across_seeds_repeats",
            "tokens_per_second_source",
            "prompt_tokens_per_second_median",
            "load_ms_median",
            "output_tokens_median",
            "output_tokens_mean");

    /** Nearest-rank percentiles, mean, standard deviation (population) and range of some values. */
    public record Stats(
            int count, double p50, double p95, double p99, double mean, double stddev, double min, double max) {
        public static Stats of(List<Double> values) {
            Measure measure = new Measure();
            values.forEach(measure::add);
            return measure.stats();
        }
    }

    /** One model, one variant of a model, or one model on one server: what its answers measured. */
    public static final class Group {
        private final String model;
        private final Integer variant;
        private final String server;
        private long answers;
        private long failures;
        private long generatedTokens;
        private long cached;
        private long cachedTokens;
        private long clientTimedSpeeds;
        private final Measure latencyMs = new Measure();
        private final Measure tokensPerSecond = new Measure();
        private final Measure promptTokensPerSecond = new Measure();
        private final Measure loadMs = new Measure();
        private final Measure outputTokens = new Measure();
        /** Per seed and repetition: the number of answers and the sum of their tokens/s. */
        private final Map<String, double[]> speedBySeedAndRepeat = new LinkedHashMap<>();
        /** Embed runs: the requests in flight at most (the sum over the servers of the group), the time's divisor. */
        private final int concurrency;
        /** Embed runs: the configured batch size, or null where the manifest does not say. */
        private final Integer configuredBatchSize;

        private long requests;
        private double requestMillis;
        private long promptTokens;
        private boolean promptTokensReported;
        private int largestBatch;
        private String lastRequest;

        Group(String model, Integer variant, String server, int concurrency, Integer configuredBatchSize) {
            this.model = model;
            this.variant = variant;
            this.server = server;
            this.concurrency = concurrency;
            this.configuredBatchSize = configuredBatchSize;
        }

        public String model() {
            return model;
        }

        /** The variant's index, or null when the spec has no variants. */
        public Integer variant() {
            return variant;
        }

        /** The server of a per-server row (its URL without credentials), or null for a row of all servers. */
        public String server() {
            return server;
        }

        /**
         * "model", or "model v1" for a variant; "(no model)" for the failures of lines read too badly to tell one
         * (an OpenAI Batch line that is not JSON, say).
         */
        public String label() {
            String name = model.isEmpty() ? "(no model)" : model;
            return variant == null ? name : name + " v" + variant;
        }

        public long answers() {
            return answers;
        }

        public long failures() {
            return failures;
        }

        /** How many of its answers came from the answer cache, without a request. */
        public long cached() {
            return cached;
        }

        /** The tokens its answers generated: the sum of their {@code eval_count}. */
        public long generatedTokens() {
            return generatedTokens;
        }

        public Stats latencyMs() {
            return latencyMs.stats();
        }

        public Stats tokensPerSecond() {
            return tokensPerSecond.stats();
        }

        public Stats promptTokensPerSecond() {
            return promptTokensPerSecond.stats();
        }

        public Stats loadMs() {
            return loadMs.stats();
        }

        public Stats outputTokens() {
            return outputTokens.stats();
        }

        /**
         * Whose time the tokens/s came from: {@code server}, {@code client} (the server's durations are implausible,
         * so the latency measured here was used), {@code mixed}, or empty without any speed.
         */
        public String speedSource() {
            long speeds = tokensPerSecond.stats().count();
            return speeds == 0
                    ? ""
                    : clientTimedSpeeds == 0 ? Answer.SERVER : clientTimedSpeeds == speeds ? Answer.CLIENT : "mixed";
        }

        /** How many of the tokens/s came from the latency measured here rather than from the server. */
        public long clientTimedSpeeds() {
            return clientTimedSpeeds;
        }

        /** How much the mean tokens/s of each seed and repetition differ: their standard deviation. */
        public double speedSpreadAcrossSeedsAndRepeats() {
            List<Double> means = new ArrayList<>();
            speedBySeedAndRepeat.values().forEach(countAndSum -> means.add(countAndSum[1] / countAndSum[0]));
            return Stats.of(means).stddev();
        }

        /** Answers' latencies in milliseconds, all of them or a uniform sample of 10,000: for distributions. */
        public List<Double> latencies() {
            return latencyMs.values();
        }

        /** Answers' tokens/s, all of them or a uniform sample of 10,000. */
        public List<Double> speeds() {
            return tokensPerSecond.values();
        }

        /** Embed runs: the configured records per request, else the most that one of its requests held. */
        public int batchSize() {
            return configuredBatchSize != null ? configuredBatchSize : largestBatch;
        }

        /** Embed runs: the distinct requests its records came from. */
        public long requests() {
            return requests;
        }

        /**
         * Embed runs: the time base of {@link #recordsPerSecond()}, in seconds: the sum of its requests' latencies
         * divided by the requests in flight ({@code concurrency}, at most the number of requests), the time they took
         * side by side. Unlike the manifest's wall time it leaves out preflight, waits between a crash and its resume,
         * and the other models' passes.
         */
        public double requestSeconds() {
            return requests == 0 ? 0 : requestMillis / 1000.0 / Math.min(concurrency, requests);
        }

        /** Embed runs: records embedded per second of {@link #requestSeconds()}; 0 without any. */
        public double recordsPerSecond() {
            return requestSeconds() == 0 ? 0 : answers / requestSeconds();
        }

        /**
         * Embed runs: each request's {@code prompt_eval_count} once, per second of {@link #requestSeconds()}; null when
         * no request reported its count.
         */
        public Double promptTokensPerRequestSecond() {
            return !promptTokensReported || requestSeconds() == 0 ? null : promptTokens / requestSeconds();
        }

        private void addEmbedded(JsonNode record) {
            answers++;
            largestBatch = Math.max(largestBatch, record.path("batch_size").asInt(0));
            String request = String.join(
                    "/",
                    record.path("server").toString(),
                    record.path("variant").toString(),
                    record.path("repeat").toString(),
                    record.path("batch").toString(),
                    record.path("batch_size").toString(),
                    record.path("prompt_eval_count").toString(),
                    record.path("total_duration").toString(),
                    record.path("load_duration").toString(),
                    record.path("latency_ms").toString());
            if (request.equals(lastRequest)) {
                return;
            }
            lastRequest = request;
            requests++;
            double latency = record.path("latency_ms").asDouble(0);
            latencyMs.add(latency);
            requestMillis += latency;
            JsonNode count = record.path("prompt_eval_count");
            if (count.isNumber()) {
                promptTokens += count.asLong();
                promptTokensReported = true;
            }
        }

        private void add(JsonNode answer) {
            if (answer.path("embedding").isArray()) {
                addEmbedded(answer);
                return;
            }
            answers++;
            long evalCount = answer.path("eval_count").asLong(0);
            if (answer.path("cached").asBoolean(false)) {
                cached++;
                cachedTokens += evalCount;
            }
            generatedTokens += evalCount;
            latencyMs.add(answer.path("latency_ms").asDouble(0));
            outputTokens.add((double) evalCount);
            JsonNode speed = answer.path("tokens_per_second");
            if (speed.isNumber()) {
                tokensPerSecond.add(speed.asDouble());
                if (Answer.CLIENT.equals(answer.path("tokens_per_second_source").asString(""))) {
                    clientTimedSpeeds++;
                }
                double[] countAndSum = speedBySeedAndRepeat.computeIfAbsent(
                        Objects.toString(OutputRecords.passSeed(answer), "") + "/"
                                + answer.path("repeat").asString(""),
                        k -> new double[2]);
                countAndSum[0]++;
                countAndSum[1] += speed.asDouble();
            }
            long promptCount = answer.path("prompt_eval_count").asLong(0);
            long promptNanos = answer.path("prompt_eval_duration").asLong(0);
            if (promptCount > 0 && promptNanos >= promptCount * Answer.FASTEST_PLAUSIBLE_NANOS_PER_TOKEN) {
                promptTokensPerSecond.add(promptCount * 1e9 / promptNanos);
            }
            JsonNode load = answer.path("load_duration");
            if (load.isNumber()) {
                loadMs.add(load.asDouble() / 1e6);
            }
        }
    }

    /**
     * What the manifest beside the output says of the run that the summary needs: whether it embedded, with how many
     * records per request, and each server's requests in flight at most.
     */
    private record ManifestFacts(boolean embed, Integer batchSize, Map<String, Integer> concurrency) {
        static final ManifestFacts NONE = new ManifestFacts(false, null, Map.of());

        static ManifestFacts of(Path output) {
            Path file = RunManifest.fileFor(output);
            if (!Files.isRegularFile(file)) {
                return NONE;
            }
            JsonNode root;
            try {
                root = JSON.readTree(file);
            } catch (JacksonException e) {
                return NONE;
            }
            Map<String, Integer> concurrency = new LinkedHashMap<>();
            root.path("servers").values().forEach(server -> {
                if (!server.path("reached").isBoolean()
                        || server.path("reached").asBoolean()) {
                    concurrency.put(
                            server.path("url").asString(""),
                            Math.max(1, server.path("concurrency").asInt(1)));
                }
            });
            JsonNode batchSize = root.path("batch_size").isMissingNode()
                    ? root.path("spec").path("batch-size")
                    : root.path("batch_size");
            String endpoint = root.path("endpoint")
                    .asString(root.path("spec").path("endpoint").asString(""));
            return new ManifestFacts(
                    "embed".equalsIgnoreCase(endpoint),
                    batchSize.isIntegralNumber() ? batchSize.asInt() : null,
                    concurrency);
        }

        /** The sum over the run's servers; 1 where the manifest does not say. */
        int totalConcurrency() {
            return Math.max(
                    1, concurrency.values().stream().mapToInt(Integer::intValue).sum());
        }
    }

    private final Map<String, Group> groups = new LinkedHashMap<>();
    private final Map<String, Group> serverGroups = new LinkedHashMap<>();
    private final List<String> servers = new ArrayList<>();
    private final ManifestFacts manifest;
    private boolean embed;
    private boolean embeddings;
    private boolean texts;

    private RunSummary(ManifestFacts manifest) {
        this.manifest = manifest;
        this.embed = manifest.embed();
    }

    /**
     * Reads the run's files; {@code cells} give the order in which models and variants are listed, {@code servers}
     * (URLs without credentials) the order of the per-server rows, and each of them a row for each model even where it
     * answered nothing.
     */
    public static RunSummary read(OutputFiles files, List<Cell> cells, List<String> servers) {
        RunSummary summary = new RunSummary(ManifestFacts.of(files.output()));
        cells.forEach(cell -> summary.group(cell.model(), cell.variant()));
        summary.servers.addAll(servers);
        cells.stream()
                .map(Cell::model)
                .distinct()
                .forEach(model -> servers.forEach(server -> summary.serverGroup(model, server)));
        try {
            if (Files.exists(files.output())) {
                OutputRecords.forEach(files.output(), answer -> {
                    if (answer.path("embedding").isArray()) {
                        summary.embeddings = true;
                    } else {
                        summary.texts = true;
                    }
                    summary.group(answer).add(answer);
                    summary.serverGroup(answer).ifPresent(group -> group.add(answer));
                });
            }
            if (Files.exists(files.errors())) {
                OutputRecords.forEach(files.errors(), failure -> {
                    summary.group(failure).failures++;
                    summary.serverGroup(failure).ifPresent(group -> group.failures++);
                });
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // An OpenAI Batch file may mix embeddings with answers: its rows are then answers' rows.
        summary.embed |= summary.embeddings && !summary.texts;
        return summary;
    }

    public List<Group> groups() {
        return List.copyOf(groups.values());
    }

    /** Whether the run embedded records ({@code endpoint: embed}): its rows are then per model and batch size. */
    public boolean embed() {
        return embed;
    }

    /**
     * One row per model and server, models in the order of {@link #groups()} and servers in the given order, then as
     * the records name them; none when the run used a single server. A record that never reached a server (a bad
     * input row) is in no row.
     */
    public List<Group> perServer() {
        if (servers.size() < 2) {
            return List.of();
        }
        List<String> models =
                groups.values().stream().map(Group::model).distinct().toList();
        return serverGroups.values().stream()
                .sorted(Comparator.comparingInt((Group g) -> models.indexOf(g.model))
                        .thenComparingInt(g -> servers.indexOf(g.server)))
                .toList();
    }

    public long answered() {
        return groups.values().stream().mapToLong(g -> g.answers).sum();
    }

    public long failed() {
        return groups.values().stream().mapToLong(g -> g.failures).sum();
    }

    /** How many answers came from the answer cache, without a request. */
    public long cached() {
        return groups.values().stream().mapToLong(g -> g.cached).sum();
    }

    /**
     * The console table: per model (and variant), records, answered, failed, the median generation speed and the
     * latency; then the whole run's throughput over its wall time.
     */
    public String table(Duration wallTime) {
        return tables(wallTime);
    }

    /**
     * The console table after {@code --retry-failed}: the same, without the whole run's throughput, since the
     * retry's time is not the time its output's answers took.
     */
    public String retryTable() {
        return tables(null);
    }

    /** The tables; the run's throughput over {@code wallTime} unless that is null. */
    private String tables(Duration wallTime) {
        if (embed) {
            return embedTable(wallTime);
        }
        double seconds = wallTime == null ? 0 : Math.max(wallTime.toMillis(), 1) / 1000.0;
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT,
                "%-24s %8s %8s %8s %13s %14s %14s%n",
                "model",
                "records",
                "answered",
                "failed",
                "tokens/s p50",
                "latency p50",
                "latency p95"));
        long generated = 0;
        for (Group g : groups.values()) {
            Stats latency = g.latencyMs();
            out.append(String.format(
                    Locale.ROOT,
                    "%-24s %8d %8d %8d %13s %11.0f ms %11.0f ms%n",
                    g.label(),
                    g.answers + g.failures,
                    g.answers,
                    g.failures,
                    speedCell(g),
                    latency.p50(),
                    latency.p95()));
            // What the servers generated during the run: a cached answer's tokens were generated by an earlier one.
            generated += g.generatedTokens - g.cachedTokens;
        }
        List<Group> perServer = perServer();
        if (!perServer.isEmpty()) {
            int width =
                    perServer.stream().mapToInt(g -> g.server.length()).max().orElse(0);
            width = Math.max(width, "server".length());
            out.append(System.lineSeparator());
            String row = "%-24s %-" + width + "s %8s %8s %13s %14s %14s%n";
            out.append(String.format(
                    Locale.ROOT,
                    row,
                    "model",
                    "server",
                    "answered",
                    "failed",
                    "tokens/s p50",
                    "latency p50",
                    "latency p95"));
            for (Group g : perServer) {
                Stats latency = g.latencyMs();
                out.append(String.format(
                        Locale.ROOT,
                        "%-24s %-" + width + "s %8d %8d %13s %11.0f ms %11.0f ms%n",
                        g.model,
                        g.server,
                        g.answers,
                        g.failures,
                        speedCell(g),
                        latency.p50(),
                        latency.p95()));
            }
        }
        for (Group g : groups.values()) {
            if (g.requests > 0) {
                out.append(String.format(
                        Locale.ROOT,
                        "%s embedded %d records in %d requests: %.1f records/s over the requests' time "
                                + "(an embedding generates no tokens)%n",
                        g.label(),
                        g.answers,
                        g.requests,
                        g.recordsPerSecond()));
            }
        }
        if (wallTime != null) {
            out.append(String.format(
                    Locale.ROOT,
                    "all models: %.1f answers/min, %.1f generated tokens/s%n",
                    answered() / seconds * 60,
                    generated / seconds));
        }
        long clientTimed =
                groups.values().stream().mapToLong(Group::clientTimedSpeeds).sum();
        if (clientTimed > 0) {
            out.append(String.format(
                    Locale.ROOT,
                    "tokens/s of %d answers from the latency measured here: the "
                            + "server reported no eval_duration (an OpenAI-compatible server without timings) or an "
                            + "implausible one (under 1 µs a token)%n",
                    clientTimed));
        }
        long cached = cached();
        if (cached > 0) {
            out.append(String.format(
                    Locale.ROOT,
                    "cached: %d of the %d answers came from the cache, without a request%n",
                    cached,
                    answered()));
        }
        return out.toString();
    }

    /** The median tokens/s, or a dash where no answer had one (an embedding, a model whose records all failed). */
    private static String speedCell(Group g) {
        Stats speed = g.tokensPerSecond();
        return speed.count() == 0 ? "-" : String.format(Locale.ROOT, "%.1f", speed.p50());
    }

    /**
     * The console table of an embed run: per model (and variant) and batch size, records, embedded, failed, records/s
     * and prompt tokens/s over the requests' time (see {@link Group#requestSeconds()}), and the requests' latency;
     * then the whole run's records/s and prompt tokens/s over its wall time.
     */
    private String embedTable(Duration wallTime) {
        double seconds = wallTime == null ? 0 : Math.max(wallTime.toMillis(), 1) / 1000.0;
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT,
                "%-24s %10s %8s %8s %8s %10s %15s %14s %14s%n",
                "model",
                "batch size",
                "records",
                "embedded",
                "failed",
                "records/s",
                "prompt tokens/s",
                "latency p50",
                "latency p95"));
        long promptTokens = 0;
        for (Group g : groups.values()) {
            Stats latency = g.latencyMs();
            out.append(String.format(
                    Locale.ROOT,
                    "%-24s %10d %8d %8d %8d %10.1f %15s %11.0f ms %11.0f ms%n",
                    g.label(),
                    g.batchSize(),
                    g.answers + g.failures,
                    g.answers,
                    g.failures,
                    g.recordsPerSecond(),
                    g.promptTokensPerRequestSecond() == null
                            ? "-"
                            : String.format(Locale.ROOT, "%.1f", g.promptTokensPerRequestSecond()),
                    latency.p50(),
                    latency.p95()));
            promptTokens += g.promptTokens;
        }
        List<Group> perServer = perServer();
        if (!perServer.isEmpty()) {
            int width =
                    perServer.stream().mapToInt(g -> g.server.length()).max().orElse(0);
            width = Math.max(width, "server".length());
            out.append(System.lineSeparator());
            out.append(String.format(
                    Locale.ROOT,
                    "%-24s %-" + width + "s %8s %8s %10s %14s %14s%n",
                    "model",
                    "server",
                    "embedded",
                    "failed",
                    "records/s",
                    "latency p50",
                    "latency p95"));
            for (Group g : perServer) {
                Stats latency = g.latencyMs();
                out.append(String.format(
                        Locale.ROOT,
                        "%-24s %-" + width + "s %8d %8d %10.1f %11.0f ms %11.0f ms%n",
                        g.model,
                        g.server,
                        g.answers,
                        g.failures,
                        g.recordsPerSecond(),
                        latency.p50(),
                        latency.p95()));
            }
        }
        if (wallTime != null) {
            out.append(String.format(
                    Locale.ROOT,
                    "all models: %.1f records/s, %.1f prompt tokens/s over the wall time%n",
                    answered() / seconds,
                    promptTokens / seconds));
        }
        return out.toString();
    }

    /**
     * Writes {@code NAME.summary.csv}: one row per model and variant; when the run used several servers, a
     * {@code server} column (empty in those rows) and then one row per model and server. An embed run's columns are
     * those of {@link #embedTable(Duration)}.
     */
    public void writeCsv(Path file) {
        List<Group> perServer = perServer();
        List<String> columns = new ArrayList<>(embed ? EMBED_CSV_COLUMNS : CSV_COLUMNS);
        if (!perServer.isEmpty()) {
            columns.add(1, "server");
        }
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
                ICSVWriter csv = new CSVWriter(out, ',', '"', '"', "\r\n")) {
            csv.writeNext(columns.toArray(String[]::new), false);
            for (Group g : groups.values()) {
                csv.writeNext(csvRow(g, !perServer.isEmpty()), false);
            }
            for (Group g : perServer) {
                csv.writeNext(csvRow(g, true), false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private String[] csvRow(Group g, boolean withServer) {
        return embed ? embedCsvRow(g, withServer) : generateCsvRow(g, withServer);
    }

    private static String[] embedCsvRow(Group g, boolean withServer) {
        Stats latency = g.latencyMs();
        Double promptTokens = g.promptTokensPerRequestSecond();
        List<String> row = new ArrayList<>(List.of(
                g.model,
                g.variant == null ? "" : g.variant.toString(),
                String.valueOf(g.batchSize()),
                String.valueOf(g.answers + g.failures),
                String.valueOf(g.answers),
                String.valueOf(g.failures),
                String.valueOf(g.requests),
                number(g.recordsPerSecond()),
                promptTokens == null ? "" : number(promptTokens),
                number(latency.p50()),
                number(latency.p95()),
                number(latency.p99())));
        if (withServer) {
            row.add(1, Objects.toString(g.server, ""));
        }
        return row.toArray(String[]::new);
    }

    private static String[] generateCsvRow(Group g, boolean withServer) {
        Stats latency = g.latencyMs();
        Stats speed = g.tokensPerSecond();
        List<String> row = new ArrayList<>(List.of(
                g.model,
                g.variant == null ? "" : g.variant.toString(),
                String.valueOf(g.answers),
                String.valueOf(g.failures),
                measured(latency, Stats::p50),
                measured(latency, Stats::p95),
                measured(latency, Stats::p99),
                measured(speed, Stats::p50),
                measured(speed, Stats::mean),
                measured(speed, Stats::stddev),
                speed.count() == 0 ? "" : number(g.speedSpreadAcrossSeedsAndRepeats()),
                g.speedSource(),
                measured(g.promptTokensPerSecond(), Stats::p50),
                measured(g.loadMs(), Stats::p50),
                measured(g.outputTokens(), Stats::p50),
                measured(g.outputTokens(), Stats::mean)));
        if (withServer) {
            row.add(1, Objects.toString(g.server, ""));
        }
        return row.toArray(String[]::new);
    }

    /** A statistic, or empty where nothing was measured: a zero there would read as a measurement. */
    private static String measured(Stats stats, ToDoubleFunction<Stats> value) {
        return stats.count() == 0 ? "" : number(value.applyAsDouble(stats));
    }

    private static String number(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }

    private Group group(JsonNode record) {
        JsonNode variant = record.path("variant");
        return group(record.path("model").asString(), variant.isNumber() ? variant.asInt() : null);
    }

    private Group group(String model, Integer variant) {
        return groups.computeIfAbsent(
                model + "\u0000" + Objects.toString(variant, ""),
                key -> new Group(model, variant, null, manifest.totalConcurrency(), manifest.batchSize()));
    }

    /** The record's model on the server it names; none for a record that never reached a server. */
    private Optional<Group> serverGroup(JsonNode record) {
        String server = record.path("server").asString("");
        return server.isEmpty()
                ? Optional.empty()
                : Optional.of(serverGroup(record.path("model").asString(), server));
    }

    private Group serverGroup(String model, String server) {
        if (!servers.contains(server)) {
            servers.add(server);
        }
        return serverGroups.computeIfAbsent(
                model + "\u0000" + server,
                key -> new Group(
                        model, null, server, manifest.concurrency().getOrDefault(server, 1), manifest.batchSize()));
    }
}

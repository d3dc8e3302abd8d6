package dev.promptbatch.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.promptbatch.generation.Generator;
import dev.promptbatch.generation.RequestBuilder;
import dev.promptbatch.generation.WorkItem;
import dev.promptbatch.generation.WorkPlan;
import dev.promptbatch.input.InputRecord;
import dev.promptbatch.ollama.EmbedRequest;
import dev.promptbatch.ollama.OllamaException;
import dev.promptbatch.ollama.ServerClient;
import dev.promptbatch.outcome.Cell;
import dev.promptbatch.outcome.GenerateResponse;
import dev.promptbatch.servers.Preflight;
import dev.promptbatch.servers.ServerTarget;
import dev.promptbatch.servers.Ticker;
import dev.promptbatch.spec.JobSpec;
import dev.promptbatch.spec.ServerApi;

/**
 * {@code validate}'s estimate of a run's time: the first {@link #SAMPLES} good records sent once per model, rendered
 * as the run's first pass of that model renders them, one after the other to the first server that has the model.
 * Their tokens/s (the server's {@code eval_count / eval_duration}, else the latency measured here) and mean answer
 * length give, per model, requests × tokens ÷ tokens/s ÷ slots, where slots are the concurrency of every server
 * that has the model ({@code concurrency: auto} counts its ceiling, and says so). Prompt evaluation and model loads
 * are left out.
 *
 * <p>An embed job sends {@link #SAMPLES} requests of {@code batch-size} records each (the first good records), after
 * loading the model so that the load is not measured, and times them here: records ÷ the records/s they measured ÷
 * slots. An Ollama server counts as one slot whatever its concurrency, since it embeds one request at a time per
 * model; an OpenAI-compatible server counts its concurrency.
 */
final class RunEstimate {
    /** Records sent per model. */
    static final int SAMPLES = 3;

    static final String CAVEAT = "An estimate: the first answers of a cold model are slower.";

    static final String EMBED_CAVEAT =
            "An estimate: an Ollama server embeds one request at a time per model, whatever its concurrency.";

    private final JobSpec spec;
    private final Ticker ticker;

    RunEstimate(JobSpec spec, Ticker ticker) {
        this.spec = spec;
        this.ticker = ticker;
    }

    /** What one model's samples measured, and the time they make of the model's part of the run. */
    sealed interface Measured permits Answers, Embeddings {
        String model();

        Duration time();

        String describe();
    }

    /** A generate or chat job's model: its answers' length and speed. */
    record Answers(
            String model,
            long requests,
            double tokensPerAnswer,
            double tokensPerSecond,
            int samples,
            int slots,
            boolean autoConcurrency)
            implements Measured {
        @Override
        public Duration time() {
            return Duration.ofMillis(Math.round(requests * tokensPerAnswer / tokensPerSecond / slots * 1000));
        }

        @Override
        public String describe() {
            return String.format(
                    Locale.ROOT,
                    "%s (%,d requests × ~%,d tokens at ~%,d tokens/s measured on %d samples, %d %s%s)",
                    about(time()),
                    requests,
                    Math.round(tokensPerAnswer),
                    Math.round(tokensPerSecond),
                    samples,
                    slots,
                    slots == 1 ? "slot" : "slots",
                    autoConcurrency ? " at most: concurrency auto" : "");
        }
    }

    /**
     * An embed job's model: the records/s of its sample requests.
     *
     * @param ollamaServers how many of the servers that have the model are Ollama's, each one slot
     */
    record Embeddings(
            String model,
            long records,
            int batchSize,
            double recordsPerSecond,
            int samples,
            int slots,
            int ollamaServers,
            boolean autoConcurrency)
            implements Measured {
        @Override
        public Duration time() {
            return Duration.ofMillis(Math.round(records / recordsPerSecond / slots * 1000));
        }

        @Override
        public String describe() {
            return String.format(
                    Locale.ROOT,
                    "%s (%,d records in batches of %d at ~%,d records/s measured on %d %s, %d %s%s%s)",
                    about(time()),
                    records,
                    batchSize,
                    Math.round(recordsPerSecond),
                    samples,
                    samples == 1 ? "request" : "requests",
                    slots,
                    slots == 1 ? "slot" : "slots",
                    ollamaServers == 0
                            ? ""
                            : ollamaServers == 1 ? ": one on the Ollama server" : ": one on each Ollama server",
                    autoConcurrency ? " at most: concurrency auto" : "");
        }
    }

    /** How many of the input's first good records the estimate sends. */
    static int sampleRecords(JobSpec spec) {
        return spec.embeds() ? SAMPLES * spec.embedding().batchSize() : SAMPLES;
    }

    /**
     * The lines to print.
     *
     * @param samples the first good records of the input, at most {@link #SAMPLES}
     * @param goodRecords the records a pass sends
     */
    List<String> lines(
            List<InputRecord> samples, long goodRecords, List<ServerTarget> targets, Preflight.Result checked) {
        String none = reasonForNone(samples, checked);
        if (none != null) {
            return List.of("No estimate: " + none + ".");
        }
        List<Measured> measured = new ArrayList<>();
        for (String model : spec.generation().models()) {
            List<Cell> passes = WorkPlan.passes(spec).stream()
                    .filter(pass -> model.equals(pass.model()))
                    .toList();
            Set<String> urls = checked.serversByModel().get(model);
            List<ServerTarget> serving = targets.stream()
                    .filter(target -> urls.contains(target.display()))
                    .toList();
            if (serving.isEmpty()) {
                return List.of("No estimate: no server has " + model + ".");
            }
            try {
                measured.add(
                        spec.embeds()
                                ? measureEmbeddings(model, passes, samples, goodRecords, serving)
                                : measure(model, passes, samples, goodRecords, serving));
            } catch (OllamaException e) {
                return List.of("No estimate: a sample request to " + model + " on "
                        + serving.get(0).display() + " failed: " + e.getMessage() + ".");
            }
        }
        String caveat = spec.embeds() ? EMBED_CAVEAT : CAVEAT;
        List<String> lines = new ArrayList<>();
        if (measured.size() == 1) {
            lines.add("Estimate: " + measured.get(0).describe() + ". " + caveat);
        } else {
            Duration total = measured.stream().map(Measured::time).reduce(Duration.ZERO, Duration::plus);
            lines.add("Estimate: " + about(total) + " in all, one model after the other:");
            measured.forEach(each -> lines.add("  " + each.model() + ": " + each.describe()));
            lines.add(caveat);
        }
        return List.copyOf(lines);
    }

    /** Why there is no estimate, or null when there can be one. */
    private String reasonForNone(List<InputRecord> samples, Preflight.Result checked) {
        if (spec.batchInput()) {
            return "an OpenAI Batch file's lines each make their own request; run a few lines to measure";
        }
        if (!checked.ok()) {
            return "the servers are not ready (see above), so no sample was sent";
        }
        if (samples.isEmpty()) {
            return "no good record to send as a sample";
        }
        return null;
    }

    private Measured measure(
            String model, List<Cell> passes, List<InputRecord> samples, long goodRecords, List<ServerTarget> serving) {
        ServerClient client = serving.get(0).client(spec.limits().timeout(), 1);
        RequestBuilder requests = new RequestBuilder(spec);
        long tokens = 0;
        long serverNanos = 0;
        long measuredNanos = 0;
        boolean allTimed = true;
        for (InputRecord record : samples) {
            RequestBuilder.Ready ready = (RequestBuilder.Ready) requests.prepare(new WorkItem(record, passes.get(0)));
            long start = ticker.nanoTime();
            GenerateResponse answer = client.answer(ready.request());
            measuredNanos += ticker.nanoTime() - start;
            long count = answer.evalCount() == null ? 0 : answer.evalCount();
            tokens += count;
            if (answer.evalDuration() == null || answer.evalDuration() <= 0) {
                allTimed = false;
            } else {
                serverNanos += answer.evalDuration();
            }
        }
        long nanos = allTimed ? serverNanos : Math.max(1, measuredNanos);
        double tokensPerAnswer = Math.max(1, (double) tokens / samples.size());
        double tokensPerSecond = Math.max(1, tokens) * 1e9 / nanos;
        int slots = serving.stream().mapToInt(ServerTarget::concurrency).sum();
        return new Answers(
                model,
                goodRecords * passes.size(),
                tokensPerAnswer,
                tokensPerSecond,
                samples.size(),
                slots,
                serving.stream().anyMatch(ServerTarget::autoConcurrency));
    }

    /**
     * Sends the samples in {@link #SAMPLES} requests of {@code batch-size} records at most, one after the other, once
     * the model is loaded, and times them here: their records over the time they took.
     */
    private Measured measureEmbeddings(
            String model, List<Cell> passes, List<InputRecord> samples, long goodRecords, List<ServerTarget> serving) {
        ServerClient client = serving.get(0).client(spec.limits().timeout(), 1);
        if (client.loadsAhead()) {
            client.loadForEmbedding(model, spec.generation().keepAlive(), Generator.loadTimeout(spec));
        }
        RequestBuilder requests = new RequestBuilder(spec);
        JobSpec.Embedding embedding = spec.embedding();
        Map<String, Object> options = requests.options(passes.get(0));
        int sent = 0;
        long nanos = 0;
        for (int from = 0; from < samples.size(); from += embedding.batchSize()) {
            List<String> texts = new ArrayList<>();
            for (InputRecord record : samples.subList(from, Math.min(samples.size(), from + embedding.batchSize()))) {
                texts.add(((RequestBuilder.Input) requests.prepareInput(new WorkItem(record, passes.get(0)))).text());
            }
            EmbedRequest request = new EmbedRequest(
                    model,
                    texts,
                    embedding.dimensions(),
                    embedding.truncate(),
                    options,
                    spec.generation().keepAlive());
            long start = ticker.nanoTime();
            client.embed(request);
            nanos += ticker.nanoTime() - start;
            sent++;
        }
        int slots = serving.stream()
                .mapToInt(target -> target.api() == ServerApi.OLLAMA ? 1 : target.concurrency())
                .sum();
        return new Embeddings(
                model,
                goodRecords * passes.size(),
                embedding.batchSize(),
                samples.size() * 1e9 / Math.max(1, nanos),
                sent,
                slots,
                (int) serving.stream()
                        .filter(target -> target.api() == ServerApi.OLLAMA)
                        .count(),
                serving.stream().anyMatch(target -> target.api() != ServerApi.OLLAMA && target.autoConcurrency()));
    }

    /** A duration as a person reads it: seconds under a minute, minutes under two hours, else hours and minutes. */
    static String about(Duration time) {
        long seconds = Math.max(1, Math.round(time.toMillis() / 1000.0));
        if (seconds < 60) {
            return "about " + seconds + " s";
        }
        long minutes = Math.round(seconds / 60.0);
        if (minutes < 120) {
            return "about " + minutes + " min";
        }
        return "about " + minutes / 60 + " h " + minutes % 60 + " min";
    }
}

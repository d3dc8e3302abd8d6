package dev.promptbatch.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import dev.promptbatch.generation.RequestBuilder;
import dev.promptbatch.generation.WorkItem;
import dev.promptbatch.generation.WorkPlan;
import dev.promptbatch.input.InputRecord;
import dev.promptbatch.ollama.OllamaException;
import dev.promptbatch.ollama.ServerClient;
import dev.promptbatch.outcome.Cell;
import dev.promptbatch.outcome.GenerateResponse;
import dev.promptbatch.servers.Preflight;
import dev.promptbatch.servers.ServerTarget;
import dev.promptbatch.servers.Ticker;
import dev.promptbatch.spec.JobSpec;

/**
 * {@code validate}'s estimate of a run's time: the first {@link #SAMPLES} good records sent once per model, rendered
 * as the run's first pass of that model renders them, one after the other to the first server that has the model.
 * Their tokens/s (the server's {@code eval_count / eval_duration}, else the latency measured here) and mean answer
 * length give, per model, requests × tokens ÷ tokens/s ÷ slots, where slots are the concurrency of every server
 * that has the model ({@code concurrency: auto} counts its ceiling, and says so). Prompt evaluation and model loads
 * are left out.
 */
final class RunEstimate {
    /** Records sent per model. */
    static final int SAMPLES = 3;

    static final String CAVEAT = "An estimate: the first answers of a cold model are slower.";

    private final JobSpec spec;
    private final Ticker ticker;

    RunEstimate(JobSpec spec, Ticker ticker) {
        this.spec = spec;
        this.ticker = ticker;
    }

    /** What one model's samples measured. */
    record Measured(
            String model,
            long requests,
            double tokensPerAnswer,
            double tokensPerSecond,
            int samples,
            int slots,
            boolean autoConcurrency) {
        Duration time() {
            return Duration.ofMillis(Math.round(requests * tokensPerAnswer / tokensPerSecond / slots * 1000));
        }

        String describe() {
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
                measured.add(measure(model, passes, samples, goodRecords, serving));
            } catch (OllamaException e) {
                return List.of("No estimate: a sample request to " + model + " on "
                        + serving.get(0).display() + " failed: " + e.getMessage() + ".");
            }
        }
        List<String> lines = new ArrayList<>();
        if (measured.size() == 1) {
            lines.add("Estimate: " + measured.get(0).describe() + ". " + CAVEAT);
        } else {
            Duration total = measured.stream().map(Measured::time).reduce(Duration.ZERO, Duration::plus);
            lines.add("Estimate: " + about(total) + " in all, one model after the other:");
            measured.forEach(each -> lines.add("  " + each.model() + ": " + each.describe()));
            lines.add(CAVEAT);
        }
        return List.copyOf(lines);
    }

    /** Why there is no estimate, or null when there can be one. */
    private String reasonForNone(List<InputRecord> samples, Preflight.Result checked) {
        if (spec.batchInput()) {
            return "an OpenAI Batch file's lines each make their own request; run a few lines to measure";
        }
        if (spec.embeds()) {
            return "an embed job's time is its batches' latency; run a few records to measure";
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
        return new Measured(
                model,
                goodRecords * passes.size(),
                tokensPerAnswer,
                tokensPerSecond,
                samples.size(),
                slots,
                serving.stream().anyMatch(ServerTarget::autoConcurrency));
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

package dev.promptbatch.report;

import static dev.promptbatch.report.Html.escape;

import java.awt.Color;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import dev.promptbatch.outcome.Answer;
import dev.promptbatch.output.RunSummary.Group;
import dev.promptbatch.output.RunSummary.Stats;

/** One row per model and variant: answers, failures, latency, speed and its spread, load time, output length. */
final class SummaryTable {
    private SummaryTable() {}

    /** {@code variantOptions}: for each variant index, the options that set it apart. */
    static String html(List<Group> groups, Map<Integer, String> variantOptions) {
        StringBuilder out = new StringBuilder("<table class=\"summary\">\n<thead>\n");
        out.append("<tr><th rowspan=\"2\" class=\"text\">Model</th><th rowspan=\"2\">Answers</th>"
                + "<th rowspan=\"2\">Failures</th><th colspan=\"3\" class=\"group\">Latency (ms)</th>"
                + "<th colspan=\"4\" class=\"group\">Generation (tokens/s)</th>"
                + "<th rowspan=\"2\">Prompt<br>tokens/s<br><small>median</small></th>"
                + "<th rowspan=\"2\">Load<br>(ms)<br><small>median</small></th>"
                + "<th colspan=\"2\" class=\"group\">Output (tokens)</th></tr>\n");
        out.append("<tr><th>p50</th><th>p95</th><th>p99</th><th>median</th><th>mean</th><th>stddev</th>"
                + "<th title=\"Standard deviation of the mean tokens/s of each seed and repetition: "
                + "0 with a single seed and repetition\">spread across<br>seeds &amp; repeats</th>"
                + "<th>median</th><th>mean</th></tr>\n</thead>\n<tbody>\n");
        for (Group group : groups) {
            Stats latency = group.latencyMs();
            Stats speed = group.tokensPerSecond();
            out.append("<tr><td class=\"text\">")
                    .append(model(groups, group, variantOptions))
                    .append("</td>");
            cell(out, Html.number(group.answers(), 0));
            out.append(group.failures() > 0 ? "<td class=\"num bad\">" : "<td class=\"num\">")
                    .append(Html.number(group.failures(), 0))
                    .append("</td>");
            cell(out, latency, Stats::p50, 0);
            cell(out, latency, Stats::p95, 0);
            cell(out, latency, Stats::p99, 0);
            cell(out, speed, Stats::p50, 1, Answer.CLIENT.equals(group.speedSource()));
            cell(out, speed, Stats::mean, 1);
            cell(out, speed, Stats::stddev, 1);
            cell(out, speed.count() == 0 ? Html.NONE : Html.number(group.speedSpreadAcrossSeedsAndRepeats(), 1));
            cell(out, group.promptTokensPerSecond(), Stats::p50, 0);
            cell(out, group.loadMs(), Stats::p50, 0);
            cell(out, group.outputTokens(), Stats::p50, 0);
            cell(out, group.outputTokens(), Stats::mean, 1);
            out.append("</tr>\n");
        }
        out.append("</tbody>\n</table>\n");
        for (Group group : groups) {
            if (group.requests() > 0) {
                out.append("<p class=\"note\">")
                        .append(escape(group.label()))
                        .append(" embedded ")
                        .append(Html.number(group.answers(), 0))
                        .append(" records in ")
                        .append(Html.number(group.requests(), 0))
                        .append(" requests: ")
                        .append(Html.number(group.recordsPerSecond(), 1))
                        .append(" records/s over the requests' time. An embedding generates no tokens, so its "
                                + "generation and output columns are empty.</p>\n");
            }
        }
        if (groups.stream().anyMatch(group -> group.clientTimedSpeeds() > 0)) {
            out.append("<p class=\"note\">Generation tokens/s of ")
                    .append(Html.number(
                            groups.stream().mapToLong(Group::clientTimedSpeeds).sum(), 0))
                    .append(" answers come from the latency "
                            + "measured by PromptBatch (marked *): the server reported no eval_duration (an "
                            + "OpenAI-compatible server without llama.cpp's timings) or an implausible one (under 1 µs a "
                            + "token). They include prompt evaluation and waiting, so they are lower than the server's "
                            + "would be.</p>\n");
        }
        return out.toString();
    }

    /**
     * An embed run's rows: per model (and variant) and batch size, records, embedded, failures, requests, records/s
     * and prompt tokens/s over the requests' time, and the requests' latency.
     */
    static String embedHtml(List<Group> groups, Map<Integer, String> variantOptions) {
        StringBuilder out = new StringBuilder("<table class=\"summary\">\n<thead>\n");
        out.append("<tr><th rowspan=\"2\" class=\"text\">Model</th><th rowspan=\"2\">Batch<br>size</th>"
                + "<th rowspan=\"2\">Records</th><th rowspan=\"2\">Embedded</th><th rowspan=\"2\">Failures</th>"
                + "<th rowspan=\"2\">Requests</th>"
                + "<th rowspan=\"2\" title=\"Over the requests' latencies divided by the requests in flight\">"
                + "Records/s</th>"
                + "<th rowspan=\"2\" title=\"Each request's prompt_eval_count once, over the same time\">"
                + "Prompt<br>tokens/s</th>"
                + "<th colspan=\"3\" class=\"group\">Request latency (ms)</th></tr>\n");
        out.append("<tr><th>p50</th><th>p95</th><th>p99</th></tr>\n</thead>\n<tbody>\n");
        for (Group group : groups) {
            Stats latency = group.latencyMs();
            out.append("<tr><td class=\"text\">")
                    .append(model(groups, group, variantOptions))
                    .append("</td>");
            cell(out, group.batchSize() == 0 ? Html.NONE : Html.number(group.batchSize(), 0));
            cell(out, Html.number(group.answers() + group.failures(), 0));
            cell(out, Html.number(group.answers(), 0));
            out.append(group.failures() > 0 ? "<td class=\"num bad\">" : "<td class=\"num\">")
                    .append(Html.number(group.failures(), 0))
                    .append("</td>");
            cell(out, Html.number(group.requests(), 0));
            cell(out, group.requests() == 0 ? Html.NONE : Html.number(group.recordsPerSecond(), 1));
            Double promptTokens = group.promptTokensPerRequestSecond();
            cell(out, promptTokens == null ? Html.NONE : Html.number(promptTokens, 1));
            cell(out, latency, Stats::p50, 0);
            cell(out, latency, Stats::p95, 0);
            cell(out, latency, Stats::p99, 0);
            out.append("</tr>\n");
        }
        out.append("</tbody>\n</table>\n");
        out.append("<p class=\"note\">Records/s and prompt tokens/s are over the requests' own time: the sum of "
                + "their latencies divided by the requests in flight (the run's concurrency). Each request counts "
                + "once, whatever the records it held.</p>\n");
        return out.toString();
    }

    /** The label with the colour the charts give it, and what sets its variant apart. */
    private static String model(List<Group> groups, Group group, Map<Integer, String> variantOptions) {
        Color colour = ReportCharts.colour(groups, group);
        String swatch = String.format(
                Locale.ROOT,
                "<span class=\"swatch\" style=\"background:#%02x%02x%02x\"></span>",
                colour.getRed(),
                colour.getGreen(),
                colour.getBlue());
        String options = group.variant() == null ? "" : variantOptions.getOrDefault(group.variant(), "");
        return swatch + escape(group.label()) + (options.isEmpty() ? "" : "<br><small>" + escape(options) + "</small>");
    }

    /** A statistic, or a dash where nothing was measured: a zero there would read as a measurement. */
    private static void cell(StringBuilder out, Stats stats, ToDoubleFunction<Stats> value, int decimals) {
        cell(out, stats.count() == 0 ? Html.NONE : Html.number(value.applyAsDouble(stats), decimals));
    }

    /** A speed; marked when it comes from the latency measured by PromptBatch rather than from the server. */
    private static void cell(
            StringBuilder out, Stats stats, ToDoubleFunction<Stats> value, int decimals, boolean clientTimed) {
        if (!clientTimed || stats.count() == 0) {
            cell(out, stats, value, decimals);
            return;
        }
        out.append("<td class=\"num\" title=\"From the latency measured by PromptBatch: the server's "
                        + "eval_duration is implausible\">")
                .append(Html.number(value.applyAsDouble(stats), decimals))
                .append("*</td>");
    }

    private static void cell(StringBuilder out, String text) {
        out.append("<td class=\"num\">").append(text).append("</td>");
    }
}

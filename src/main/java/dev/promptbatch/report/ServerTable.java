package dev.promptbatch.report;

import static dev.promptbatch.report.Html.escape;

import java.util.List;

import dev.promptbatch.output.RunSummary.Group;
import dev.promptbatch.output.RunSummary.Stats;

/** One row per model and server: which box answered how much, and how fast. */
final class ServerTable {
    private ServerTable() {}

    static String html(List<Group> perServer) {
        StringBuilder out = new StringBuilder("<table class=\"summary\">\n<thead>\n");
        out.append("<tr><th rowspan=\"2\" class=\"text\">Model</th><th rowspan=\"2\" class=\"text\">Server</th>"
                + "<th rowspan=\"2\">Answers</th><th rowspan=\"2\">Failures</th>"
                + "<th rowspan=\"2\">Generation<br>tokens/s<br><small>median</small></th>"
                + "<th colspan=\"2\" class=\"group\">Latency (ms)</th></tr>\n");
        out.append("<tr><th>p50</th><th>p95</th></tr>\n</thead>\n<tbody>\n");
        for (Group group : perServer) {
            Stats latency = group.latencyMs();
            Stats speed = group.tokensPerSecond();
            leadingCells(out, group);
            cell(out, speed.count() == 0 ? Html.NONE : Html.number(speed.p50(), 1));
            cell(out, latency.count() == 0 ? Html.NONE : Html.number(latency.p50(), 0));
            cell(out, latency.count() == 0 ? Html.NONE : Html.number(latency.p95(), 0));
            out.append("</tr>\n");
        }
        return out.append("</tbody>\n</table>\n").toString();
    }

    /** An embed run's rows: records embedded, failures, records/s over the requests' time, the requests' latency. */
    static String embedHtml(List<Group> perServer) {
        StringBuilder out = new StringBuilder("<table class=\"summary\">\n<thead>\n");
        out.append("<tr><th rowspan=\"2\" class=\"text\">Model</th><th rowspan=\"2\" class=\"text\">Server</th>"
                + "<th rowspan=\"2\">Embedded</th><th rowspan=\"2\">Failures</th><th rowspan=\"2\">Requests</th>"
                + "<th rowspan=\"2\">Records/s</th>"
                + "<th colspan=\"2\" class=\"group\">Request latency (ms)</th></tr>\n");
        out.append("<tr><th>p50</th><th>p95</th></tr>\n</thead>\n<tbody>\n");
        for (Group group : perServer) {
            Stats latency = group.latencyMs();
            leadingCells(out, group);
            cell(out, Html.number(group.requests(), 0));
            cell(out, group.requests() == 0 ? Html.NONE : Html.number(group.recordsPerSecond(), 1));
            cell(out, latency.count() == 0 ? Html.NONE : Html.number(latency.p50(), 0));
            cell(out, latency.count() == 0 ? Html.NONE : Html.number(latency.p95(), 0));
            out.append("</tr>\n");
        }
        return out.append("</tbody>\n</table>\n").toString();
    }

    /** A row's start: the model, the server, its answers and its failures (marked when there are any). */
    private static void leadingCells(StringBuilder out, Group group) {
        out.append("<tr><td class=\"text\">")
                .append(escape(group.model()))
                .append("</td><td class=\"text\">")
                .append(escape(group.server()))
                .append("</td>");
        cell(out, Html.number(group.answers(), 0));
        out.append(group.failures() > 0 ? "<td class=\"num bad\">" : "<td class=\"num\">")
                .append(Html.number(group.failures(), 0))
                .append("</td>");
    }

    private static void cell(StringBuilder out, String html) {
        out.append("<td class=\"num\">").append(html).append("</td>");
    }
}

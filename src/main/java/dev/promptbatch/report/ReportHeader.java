package dev.promptbatch.report;

import static dev.promptbatch.report.Html.escape;

import java.util.List;
import java.util.Objects;

import dev.promptbatch.output.RunSummary;
import dev.promptbatch.spec.Durations;

/** The top of the page: which job, how it ended, when, whether the answers are real, and the run's totals. */
final class ReportHeader {
    private ReportHeader() {}

    static String html(String job, String outputName, ManifestView manifest, RunSummary summary) {
        StringBuilder out = new StringBuilder("<header>\n");
        out.append("<p class=\"kicker\">PromptBatch run report</p>\n");
        out.append("<h1>").append(escape(job)).append("</h1>\n");
        out.append("<p class=\"badges\">")
                .append(statusBadge(manifest))
                .append(' ')
                .append(answersBadge(manifest))
                .append("</p>\n");
        out.append("<p class=\"when\">")
                .append(when(manifest))
                .append(" &middot; output <code>")
                .append(escape(outputName))
                .append("</code></p>\n");
        if (!manifest.present()) {
            out.append("<p class=\"notice\">")
                    .append(escape(manifest.problem()))
                    .append("</p>\n");
        }
        out.append(tiles(manifest, summary));
        return out.append("</header>\n").toString();
    }

    private static String statusBadge(ManifestView manifest) {
        String status = manifest.text("status");
        if (status == null) {
            return "<span class=\"badge\">status unknown</span>";
        }
        String tone = switch (status) {
            case "COMPLETED" -> "good";
            case "FAILED", "ABANDONED" -> "bad";
            default -> "warn";
        };
        return "<span class=\"badge " + tone + "\">" + escape(status) + "</span>";
    }

    private static String answersBadge(ManifestView manifest) {
        if (!manifest.present()) {
            return "";
        }
        if (manifest.simulated()) {
            return "<span class=\"badge warn\">Synthetic answers from the built-in simulator</span>";
        }
        return "<span class=\"badge\">Answers from Ollama " + escape(manifest.textOr("?", "server", "version"))
                + "</span>";
    }

    private static String when(ManifestView manifest) {
        String started = manifest.time("started");
        if (started == null) {
            return "When it ran is unknown";
        }
        String ended = manifest.time("ended");
        StringBuilder text = new StringBuilder("Ran ").append(started);
        if (ended != null) {
            // The end is usually the same day: its time alone reads better.
            text.append(" to ").append(ended.startsWith(started.substring(0, 10)) ? ended.substring(11) : ended);
        }
        manifest.wallTime()
                .ifPresent(wall ->
                        text.append(" (").append(Durations.readable(wall)).append(')'));
        String execution = manifest.text("execution");
        if (execution != null) {
            text.append(" &middot; execution ").append(escape(execution));
        }
        return text.toString();
    }

    private static String tiles(ManifestView manifest, RunSummary summary) {
        List<RunSummary.Group> groups = summary.groups();
        long models = groups.stream().map(RunSummary.Group::model).distinct().count();
        long variants = groups.stream()
                .map(RunSummary.Group::variant)
                .filter(Objects::nonNull)
                .distinct()
                .count();
        StringBuilder out = new StringBuilder("<div class=\"tiles\">\n");
        tile(out, Html.number(summary.answered(), 0), summary.embed() ? "records embedded" : "answers");
        tile(out, Html.number(summary.failed(), 0), summary.failed() == 1 ? "failure" : "failures");
        tile(out, String.valueOf(models), models == 1 ? "model" : "models");
        if (variants > 0) {
            tile(out, String.valueOf(variants), variants == 1 ? "variant" : "variants");
        }
        manifest.wallTime().ifPresent(wall -> tile(out, Durations.readable(wall), "wall time"));
        return out.append("</div>\n").toString();
    }

    private static void tile(StringBuilder out, String value, String label) {
        out.append("<div class=\"tile\"><span class=\"value\">")
                .append(value)
                .append("</span><span class=\"label\">")
                .append(label)
                .append("</span></div>\n");
    }
}

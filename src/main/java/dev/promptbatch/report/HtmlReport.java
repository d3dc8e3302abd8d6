package dev.promptbatch.report;

import static dev.promptbatch.report.Html.escape;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;

import dev.promptbatch.outcome.Cell;
import dev.promptbatch.output.OutputFiles;
import dev.promptbatch.output.RunSummary;
import dev.promptbatch.output.RunSummary.Group;

/**
 * A run's report as one HTML file that opens anywhere, offline: the header, the statistics per model and variant
 * (and per model and server when the run used several servers; an embed run's per request and batch size), charts
 * as inline SVG, and what produced the numbers
 * (from the manifest). Nothing is loaded from elsewhere: no scripts, style sheets, fonts or images.
 */
public final class HtmlReport {
    private static final String STYLE = """
            :root { --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --head: #f3f4f6;
              --good: #15803d; --bad: #b91c1c; --warn: #a16207; }
            * { box-sizing: border-box; }
            body { margin: 0; background: #f6f7f9; color: var(--ink);
              font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
            main { max-width: 1240px; margin: 0 auto; padding: 24px 32px 48px; }
            h1 { font-size: 30px; margin: 0 0 8px; overflow-wrap: anywhere; }
            h2 { font-size: 20px; margin: 36px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
            h3 { font-size: 16px; margin: 22px 0 8px; }
            .kicker { margin: 0; font-size: 12px; letter-spacing: .08em; text-transform: uppercase;
              color: var(--muted); }
            .badges { margin: 0; }
            .badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 13px;
              font-weight: 600; background: #e8edf3; }
            .badge.good { background: #dcfce7; color: var(--good); }
            .badge.bad { background: #fee2e2; color: var(--bad); }
            .badge.warn { background: #fef3c7; color: var(--warn); }
            .when { margin: 8px 0 16px; color: var(--muted); }
            .notice { padding: 8px 12px; background: #fffbeb; border-left: 4px solid #f59e0b; }
            .tiles { display: flex; flex-wrap: wrap; gap: 12px; }
            .tile { min-width: 120px; padding: 10px 16px; background: #fff; border: 1px solid var(--line);
              border-radius: 8px; }
            .tile .value { display: block; font-size: 24px; font-weight: 700; font-variant-numeric: tabular-nums; }
            .tile .label { font-size: 13px; color: var(--muted); }
            .scroll { overflow-x: auto; }
            table { border-collapse: collapse; background: #fff; border: 1px solid var(--line);
              font-variant-numeric: tabular-nums; }
            table.summary { width: 100%; font-size: 14px; }
            th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); }
            th { text-align: right; vertical-align: bottom; font-weight: 600; color: #374151; background: var(--head); }
            th.group { text-align: center; vertical-align: middle; border-left: 1px solid var(--line);
              border-right: 1px solid var(--line); }
            .text { text-align: left; }
            td.num { text-align: right; white-space: nowrap; }
            td.bad { color: var(--bad); font-weight: 600; }
            td small, th small { font-weight: normal; color: var(--muted); }
            .swatch { display: inline-block; width: 11px; height: 11px; margin-right: 8px; border-radius: 2px; }
            figure { margin: 0 0 20px; padding: 12px; background: #fff; border: 1px solid var(--line);
              border-radius: 8px; }
            figure svg { display: block; width: 100%; height: auto; }
            figcaption { padding: 4px 8px 0; font-size: 13px; color: var(--muted); }
            dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 6px 24px; margin: 0;
              padding: 14px 18px; background: #fff; border: 1px solid var(--line); border-radius: 8px; }
            dt { font-weight: 600; color: #374151; }
            dd { margin: 0; overflow-wrap: anywhere; }
            code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace;
              font-size: 13px; }
            code { padding: 1px 4px; background: var(--head); border-radius: 4px; }
            pre { margin: 0; padding: 12px; background: #fff; border: 1px solid var(--line); border-radius: 8px;
              white-space: pre-wrap; overflow-wrap: anywhere; }
            pre.json { max-height: 480px; overflow: auto; }
            pre .image { color: var(--muted); font-style: italic; }
            .key { margin: 0 0 12px; color: var(--muted); }
            .caption { margin: 10px 0 4px; font-weight: 600; color: #374151; }
            details { margin-top: 22px; }
            summary { cursor: pointer; font-weight: 600; }
            """;

    private HtmlReport() {}

    /**
     * Writes the report of the run whose output is {@code output} (JSONL or CSV) to {@code html}.
     *
     * @throws UncheckedIOException where the output cannot be read or the report not written; its cause says which
     */
    public static void write(Path output, Path html) {
        ManifestView manifest = ManifestView.of(output);
        write(output, RunSummary.read(OutputFiles.of(output), cells(manifest), manifest.serverUrls()), html);
    }

    /** Writes the report with the summary of the output already read. */
    public static void write(Path output, RunSummary summary, Path html) {
        ManifestView manifest = ManifestView.of(output);
        String page = page(output.getFileName().toString(), manifest, summary);
        try {
            if (html.toAbsolutePath().getParent() != null) {
                Files.createDirectories(html.toAbsolutePath().getParent());
            }
            Files.writeString(html, page, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(new IOException("cannot write " + html + ": " + e.getMessage(), e));
        }
    }

    private static String page(String outputName, ManifestView manifest, RunSummary summary) {
        String job = manifest.textOr(outputName.substring(0, outputName.lastIndexOf('.')), "job");
        List<Group> groups = byModelThenVariant(summary.groups());
        Map<Integer, String> variants = manifest.variantDifferences();
        StringBuilder page = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        page.append("<title>").append(escape(job)).append(" &middot; PromptBatch report</title>\n");
        page.append("<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n<main>\n");
        page.append(ReportHeader.html(job, outputName, manifest, summary));
        page.append("<section>\n<h2>Per model</h2>\n<div class=\"scroll\">\n")
                .append(
                        summary.embed()
                                ? SummaryTable.embedHtml(groups, variants)
                                : SummaryTable.html(groups, variants))
                .append("</div>\n</section>\n");
        List<Group> perServer = summary.perServer();
        if (!perServer.isEmpty()) {
            page.append("<section>\n<h2>Per server</h2>\n<div class=\"scroll\">\n")
                    .append(summary.embed() ? ServerTable.embedHtml(perServer) : ServerTable.html(perServer))
                    .append("</div>\n</section>\n");
        }
        page.append("<section>\n<h2>Charts</h2>\n").append(variantKey(variants));
        for (ReportCharts.Chart chart : summary.embed() ? ReportCharts.ofEmbed(groups) : ReportCharts.of(groups)) {
            page.append("<figure>\n")
                    .append(chart.svg())
                    .append("\n<figcaption>")
                    .append(escape(chart.caption()))
                    .append("</figcaption>\n</figure>\n");
        }
        page.append("</section>\n").append(ManifestSection.html(manifest));
        return page.append("</main>\n</body>\n</html>\n").toString();
    }

    /** What v0, v1, ... under the charts' boxes stand for. */
    private static String variantKey(Map<Integer, String> variants) {
        if (variants.isEmpty()) {
            return "";
        }
        List<String> keys = new ArrayList<>();
        variants.forEach((variant, options) -> keys.add("<b>v" + variant + "</b> " + escape(options)));
        return "<p class=\"key\">Variants: " + String.join(" &middot; ", keys) + "</p>\n";
    }

    /** Each model's variants together and in order; the models as the manifest lists them, else as the output does. */
    private static List<Group> byModelThenVariant(List<Group> groups) {
        List<String> models = groups.stream().map(Group::model).distinct().toList();
        return groups.stream()
                .sorted(Comparator.comparingInt((Group group) -> models.indexOf(group.model()))
                        .thenComparing(Group::variant, Comparator.nullsFirst(Comparator.naturalOrder())))
                .toList();
    }

    /** Models and variants in the spec's order, so that the report lists them as the spec does. */
    private static List<Cell> cells(ManifestView manifest) {
        List<Integer> variants = new ArrayList<>();
        manifest.root().path("options").values().forEach(entry -> {
            if (entry.path("variant").isNumber()) {
                variants.add(entry.path("variant").asInt());
            }
        });
        List<Cell> cells = new ArrayList<>();
        for (JsonNode model : manifest.root().path("models").values()) {
            String name = model.path("name").asString("");
            if (name.isEmpty()) {
                continue;
            }
            if (variants.isEmpty()) {
                cells.add(new Cell(name, null, null, null));
            }
            variants.forEach(variant -> cells.add(new Cell(name, variant, null, null)));
        }
        return cells;
    }
}

package dev.promptbatch.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Paint;
import java.awt.Rectangle;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.renderer.category.BoxAndWhiskerRenderer;
import org.jfree.chart.renderer.category.CategoryItemRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.category.StatisticalBarRenderer;
import org.jfree.chart.text.G2TextMeasurer;
import org.jfree.chart.text.TextBlock;
import org.jfree.chart.text.TextMeasurer;
import org.jfree.chart.text.TextUtils;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.Range;
import org.jfree.data.category.CategoryDataset;
import org.jfree.data.statistics.BoxAndWhiskerCalculator;
import org.jfree.data.statistics.BoxAndWhiskerItem;
import org.jfree.data.statistics.DefaultBoxAndWhiskerCategoryDataset;
import org.jfree.data.statistics.DefaultStatisticalCategoryDataset;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.ViewBox;

import dev.promptbatch.output.RunSummary.Group;
import dev.promptbatch.output.RunSummary.Stats;

/**
 * The report's charts, drawn with JFreeChart and rendered by JFreeSVG to SVG elements that the page holds inline:
 * generation speed and latency as box plots (their spread is the point), output length as mean with a standard
 * deviation either side. One category per model and variant; each model keeps its colour in every chart.
 */
final class ReportCharts {
    static {
        // Charts are drawn with AWT geometry and font metrics, never on a screen: a server or CI has no display.
        System.setProperty("java.awt.headless", "true");
        // JFreeChart's workaround for old screen drivers turns rotated labels into glyph outlines; in SVG they stay
        // text, which the browser renders crisply and a reader can select and search.
        TextUtils.setUseDrawRotatedStringWorkaround(false);
    }

    /** A chart ready for the page: what it shows, for a caption, and the SVG element (which holds its title). */
    record Chart(String caption, String svg) {}

    private static final int WIDTH = 960;
    private static final int HEIGHT = 420;
    private static final String SERIES = "answers";
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 18);
    private static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
    private static final Font TICK_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final Color INK = new Color(0x1f2937);
    private static final Color GRID = new Color(0xe5e7eb);
    /** Distinct, colour-blind friendly hues (Tableau 10), one per model. */
    private static final Color[] PALETTE = {
        new Color(0x4e79a7),
        new Color(0xf28e2b),
        new Color(0x59a14f),
        new Color(0xe15759),
        new Color(0x76b7b2),
        new Color(0xedc948),
        new Color(0xb07aa1),
        new Color(0xff9da7),
        new Color(0x9c755f),
        new Color(0xbab0ac)
    };

    private ReportCharts() {}

    static List<Chart> of(List<Group> groups) {
        return List.of(
                boxPlot(
                        "Generation speed",
                        "tokens/s",
                        groups,
                        Group::speeds,
                        "speed",
                        "Each answer's eval_count / eval_duration. Box: the middle half of the answers; line: "
                                + "median; whiskers: the rest within 1.5 box lengths; circles: outliers."),
                boxPlot(
                        "Latency",
                        "ms",
                        groups,
                        Group::latencies,
                        "latency",
                        "Each answer's latency_ms, as PromptBatch measured it. Box: the middle half of the answers; "
                                + "line: median; whiskers: the rest within 1.5 box lengths; circles: outliers."),
                outputLength(groups));
    }

    /** An embed run's chart: the latency of its requests, each once whatever the records it held. */
    static List<Chart> ofEmbed(List<Group> groups) {
        return List.of(boxPlot(
                "Request latency",
                "ms",
                groups,
                Group::latencies,
                "latency",
                "Each request's latency_ms, once for all the records it embedded, as PromptBatch measured it. Box: "
                        + "the middle half of the requests; line: median; whiskers: the rest within 1.5 box lengths; "
                        + "circles: outliers."));
    }

    private static Chart boxPlot(
            String name,
            String unit,
            List<Group> groups,
            Function<Group, List<Double>> values,
            String idPrefix,
            String caption) {
        DefaultBoxAndWhiskerCategoryDataset dataset = new DefaultBoxAndWhiskerCategoryDataset();
        List<Paint> paints = new ArrayList<>();
        List<Double> all = new ArrayList<>();
        for (Group group : groups) {
            List<Double> measured = values.apply(group);
            if (!measured.isEmpty()) {
                dataset.add(everyOutlierAsPoint(measured), SERIES, group.label());
                paints.add(colour(groups, group));
                all.addAll(measured);
            }
        }
        Stats extremes = Stats.of(all);
        BoxAndWhiskerRenderer renderer = new BoxAndWhiskerRenderer() {
            @Override
            public Paint getItemPaint(int row, int column) {
                return paints.get(column);
            }

            /** Every value, outliers too: JFreeChart's own range stops at the whiskers. */
            @Override
            public Range findRangeBounds(CategoryDataset data) {
                return all.isEmpty() ? null : new Range(extremes.min(), extremes.max());
            }
        };
        renderer.setMeanVisible(false);
        renderer.setMaximumBarWidth(0.05);
        renderer.setArtifactPaint(INK);
        renderer.setDefaultOutlinePaint(INK);
        renderer.setUseOutlinePaintForWhiskers(true);
        renderer.setDefaultOutlineStroke(new BasicStroke(1.2f));
        renderer.setDefaultStroke(new BasicStroke(1.2f));
        return chart(name + " (" + unit + ")", caption, groups, dataset, renderer, unit, idPrefix);
    }

    /**
     * One category per model and variant, labelled with the model on at most two lines (cut short at the end if it
     * must be: the summary table has it whole) and the variant on a line of its own, so that it is never the part
     * cut off. The category keys are the groups' labels.
     */
    private static final class ModelAxis extends CategoryAxis {
        private final Map<String, Group> groups = new HashMap<>();

        ModelAxis(List<Group> groups) {
            super(groups.stream().anyMatch(group -> group.variant() != null) ? "model and variant" : "model");
            groups.forEach(group -> this.groups.put(group.label(), group));
            // Narrow boxes leave room between them: the labels may take most of it.
            setLowerMargin(0.03);
            setUpperMargin(0.03);
            setCategoryMargin(0.1);
        }

        @Override
        protected TextBlock createLabel(Comparable category, float width, RectangleEdge edge, Graphics2D g2) {
            Group group = groups.get(category.toString());
            Font font = getTickLabelFont(category);
            Paint paint = getTickLabelPaint(category);
            TextMeasurer measurer = new G2TextMeasurer(g2);
            String model = group.model();
            int namespace = model.lastIndexOf('/');
            while (namespace > 0 && measurer.getStringWidth(model, 0, namespace + 1) > width) {
                namespace = model.lastIndexOf('/', namespace - 1);
            }
            TextBlock label;
            if (namespace > 0 && measurer.getStringWidth(model, 0, model.length()) > width) {
                // A namespaced name ("hf.co/user/model:tag") reads best broken after its last '/' that fits.
                label = new TextBlock();
                label.addLine(model.substring(0, namespace + 1), font, paint);
                label.addLine(cutToWidth(model.substring(namespace + 1), width, measurer), font, paint);
            } else {
                label = TextUtils.createTextBlock(model, font, paint, width, 2, measurer);
            }
            if (group.variant() != null) {
                label.addLine("v" + group.variant(), font, paint);
            }
            return label;
        }

        private static String cutToWidth(String text, float width, TextMeasurer measurer) {
            if (measurer.getStringWidth(text, 0, text.length()) <= width) {
                return text;
            }
            int end = text.length();
            while (end > 1 && measurer.getStringWidth(text.substring(0, end) + "...", 0, end + 3) > width) {
                end--;
            }
            return text.substring(0, end) + "...";
        }
    }

    /**
     * The usual box and whiskers, but with the far-out limits at the extremes: JFreeChart would otherwise draw values
     * beyond twice the box length as one arrow at the axis' edge, and leave them out of the axis' range, where a
     * latency tail is exactly what a reader looks for.
     */
    private static BoxAndWhiskerItem everyOutlierAsPoint(List<Double> values) {
        BoxAndWhiskerItem usual = BoxAndWhiskerCalculator.calculateBoxAndWhiskerStatistics(values);
        Stats range = Stats.of(values);
        return new BoxAndWhiskerItem(
                usual.getMean(),
                usual.getMedian(),
                usual.getQ1(),
                usual.getQ3(),
                usual.getMinRegularValue(),
                usual.getMaxRegularValue(),
                range.min(),
                range.max(),
                usual.getOutliers());
    }

    private static Chart outputLength(List<Group> groups) {
        DefaultStatisticalCategoryDataset dataset = new DefaultStatisticalCategoryDataset();
        List<Paint> paints = new ArrayList<>();
        for (Group group : groups) {
            Stats length = group.outputTokens();
            if (length.count() > 0) {
                dataset.add(length.mean(), length.stddev(), SERIES, group.label());
                paints.add(colour(groups, group));
            }
        }
        StatisticalBarRenderer renderer = new StatisticalBarRenderer() {
            @Override
            public Paint getItemPaint(int row, int column) {
                return paints.get(column);
            }
        };
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setMaximumBarWidth(0.08);
        renderer.setErrorIndicatorPaint(INK);
        renderer.setErrorIndicatorStroke(new BasicStroke(1.5f));
        return chart(
                "Output length (tokens)",
                "Each answer's eval_count. Bar: the mean; whiskers: one standard deviation either side.",
                groups,
                dataset,
                renderer,
                "tokens (eval_count)",
                "length");
    }

    private static Chart chart(
            String title,
            String caption,
            List<Group> groups,
            CategoryDataset dataset,
            CategoryItemRenderer renderer,
            String valueLabel,
            String idPrefix) {
        CategoryAxis categories = new ModelAxis(groups);
        NumberAxis values = new NumberAxis(valueLabel);
        values.setAutoRangeIncludesZero(true);
        values.setStandardTickUnits(NumberAxis.createStandardTickUnits(Locale.ROOT));
        for (var axis : List.of(categories, values)) {
            axis.setLabelFont(LABEL_FONT);
            axis.setLabelPaint(INK);
            axis.setTickLabelFont(TICK_FONT);
            axis.setTickLabelPaint(INK);
            axis.setAxisLinePaint(Color.GRAY);
        }
        CategoryPlot plot = new CategoryPlot(dataset, categories, values, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setOutlineVisible(false);
        plot.setRangeGridlinePaint(GRID);
        plot.setRangeGridlineStroke(new BasicStroke(1f));
        plot.setAxisOffset(RectangleInsets.ZERO_INSETS);
        plot.setNoDataMessage("No answers to chart");
        plot.setNoDataMessageFont(LABEL_FONT);
        JFreeChart chart = new JFreeChart(plot);
        chart.setTitle(new TextTitle(
                title,
                TITLE_FONT,
                INK,
                TextTitle.DEFAULT_POSITION,
                TextTitle.DEFAULT_HORIZONTAL_ALIGNMENT,
                TextTitle.DEFAULT_VERTICAL_ALIGNMENT,
                new RectangleInsets(4, 4, 12, 4)));
        chart.removeLegend();
        chart.setBackgroundPaint(Color.WHITE);
        chart.setPadding(new RectangleInsets(8, 8, 8, 16));
        return new Chart(caption, svg(chart, title, idPrefix));
    }

    private static String svg(JFreeChart chart, String title, String idPrefix) {
        SVGGraphics2D g2 = new SVGGraphics2D(WIDTH, HEIGHT);
        // Several SVG elements share the page's id space: their clip paths need ids of their own.
        g2.setDefsKeyPrefix(idPrefix + "-");
        chart.draw(g2, new Rectangle(0, 0, WIDTH, HEIGHT));
        String element = g2.getSVGElement(null, false, new ViewBox(0, 0, WIDTH, HEIGHT), null, null);
        return element.replace("<svg ", "<svg role=\"img\" aria-label=\"" + Html.escape(title) + "\" ");
    }

    /** A model's colour; its later variants in lighter shades of it. */
    static Color colour(List<Group> groups, Group group) {
        List<String> models = groups.stream().map(Group::model).distinct().toList();
        Color base = PALETTE[models.indexOf(group.model()) % PALETTE.length];
        double lighter = group.variant() == null ? 0 : Math.min(0.6, 0.3 * group.variant());
        return new Color(mix(base.getRed(), lighter), mix(base.getGreen(), lighter), mix(base.getBlue(), lighter));
    }

    private static int mix(int channel, double towardsWhite) {
        return (int) Math.round(channel + (255 - channel) * towardsWhite);
    }
}

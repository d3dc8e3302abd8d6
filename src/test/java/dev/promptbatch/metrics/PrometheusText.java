package dev.promptbatch.metrics;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.hawkular.agent.prometheus.text.TextPrometheusMetricsProcessor;
import org.hawkular.agent.prometheus.types.Counter;
import org.hawkular.agent.prometheus.types.Gauge;
import org.hawkular.agent.prometheus.types.Metric;
import org.hawkular.agent.prometheus.types.MetricFamily;
import org.hawkular.agent.prometheus.walkers.CollectorPrometheusMetricsWalker;

/**
 * Metrics in Prometheus's text format as a scraper reads them, parsed by Hawkular's text-format parser: each sample
 * by its family name and labels.
 */
public final class PrometheusText {
    private final List<MetricFamily> families;

    private PrometheusText(List<MetricFamily> families) {
        this.families = families;
    }

    public static PrometheusText parse(String text) {
        CollectorPrometheusMetricsWalker walker = new CollectorPrometheusMetricsWalker();
        new TextPrometheusMetricsProcessor(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), walker)
                .walk();
        return new PrometheusText(walker.getAllMetricFamilies());
    }

    /** The family's type as the file declares it: GAUGE, COUNTER, ... */
    public String type(String family) {
        return family(family).getType().name();
    }

    /** Every sample of the family, by its labels written in order as {@code k=v,k=v}. */
    public Map<String, Double> samples(String family) {
        Map<String, Double> samples = new LinkedHashMap<>();
        for (Metric metric : family(family).getMetrics()) {
            double value = metric instanceof Gauge gauge
                    ? gauge.getValue()
                    : metric instanceof Counter counter ? counter.getValue() : Double.NaN;
            samples.put(labels(metric), value);
        }
        return samples;
    }

    /** The value of one sample, by its labels as {@code k=v,k=v} in name order. */
    public double value(String family, String labels) {
        Double value = samples(family).get(labels);
        if (value == null) {
            throw new AssertionError("no sample " + family + "{" + labels + "} in " + samples(family));
        }
        return value;
    }

    public List<String> names() {
        return families.stream().map(MetricFamily::getName).toList();
    }

    private MetricFamily family(String name) {
        return families.stream()
                .filter(family -> family.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no metric family " + name + " in " + names()));
    }

    private static String labels(Metric metric) {
        StringBuilder text = new StringBuilder();
        new TreeMap<>(metric.getLabels()).forEach((k, v) -> {
            if (!text.isEmpty()) {
                text.append(',');
            }
            text.append(k).append('=').append(v);
        });
        return text.toString();
    }
}

package dev.promptbatch.output;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One measured quantity of a group of answers, in constant memory however many answers there are: exact count,
 * mean, standard deviation (population) and range, kept as values arrive, and a uniform sample (reservoir) of at most
 * {@link #SAMPLE} values for percentiles and charts. Up to that many answers the sample holds every value, so
 * percentiles are exact; beyond, they are estimates from the sample.
 */
final class Measure {
    static final int SAMPLE = 10_000;

    private final double[] sample = new double[SAMPLE];
    // A fixed seed: the same output file gives the same sample, so the same summary.
    private final SplittableRandom random = new SplittableRandom(1);
    private long count;
    // Welford's running mean and sum of squared deviations: stable where a plain sum of squares cancels.
    private double mean;
    private double squaredDeviations;
    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;

    void add(double value) {
        count++;
        double delta = value - mean;
        mean += delta / count;
        squaredDeviations += delta * (value - mean);
        min = Math.min(min, value);
        max = Math.max(max, value);
        if (count <= SAMPLE) {
            sample[(int) count - 1] = value;
        } else {
            long slot = random.nextLong(count);
            if (slot < SAMPLE) {
                sample[(int) slot] = value;
            }
        }
    }

    RunSummary.Stats stats() {
        if (count == 0) {
            return new RunSummary.Stats(0, 0, 0, 0, 0, 0, 0, 0);
        }
        double[] sorted = Arrays.copyOf(sample, (int) Math.min(count, SAMPLE));
        Arrays.sort(sorted);
        return new RunSummary.Stats(
                (int) Math.min(count, Integer.MAX_VALUE),
                rank(sorted, 50),
                rank(sorted, 95),
                rank(sorted, 99),
                mean,
                Math.sqrt(squaredDeviations / count),
                min,
                max);
    }

    /** The sampled values, in the order they were kept. */
    List<Double> values() {
        List<Double> values = new ArrayList<>();
        for (int i = 0; i < Math.min(count, SAMPLE); i++) {
            values.add(sample[i]);
        }
        return values;
    }

    static double rank(double[] sorted, double percentile) {
        int rank = (int) Math.ceil(percentile / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }
}

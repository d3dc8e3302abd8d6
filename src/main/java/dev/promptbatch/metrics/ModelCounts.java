package dev.promptbatch.metrics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.promptbatch.output.RunSummary;

/**
 * One model's records so far: answered (an embed job's records embedded), failed, the tokens its answers generated
 * ({@code eval_count}), and how many of its answers came from the answer cache (also counted in {@code answered}).
 */
public record ModelCounts(long answered, long failed, long generatedTokens, long cached) {
    public static final ModelCounts ZERO = new ModelCounts(0, 0, 0, 0);

    public ModelCounts plus(ModelCounts other) {
        return new ModelCounts(
                answered + other.answered,
                failed + other.failed,
                generatedTokens + other.generatedTokens,
                cached + other.cached);
    }

    /** Each model's counts in a run's summary, its variants added up; every model of {@code models} is there. */
    public static Map<String, ModelCounts> of(RunSummary summary, List<String> models) {
        Map<String, ModelCounts> counts = zero(models);
        for (RunSummary.Group group : summary.groups()) {
            counts.merge(
                    group.model(),
                    new ModelCounts(group.answers(), group.failures(), group.generatedTokens(), group.cached()),
                    ModelCounts::plus);
        }
        return counts;
    }

    /** Zero for each model, in the order given. */
    public static Map<String, ModelCounts> zero(List<String> models) {
        Map<String, ModelCounts> counts = new LinkedHashMap<>();
        models.forEach(model -> counts.put(model, ZERO));
        return counts;
    }
}

package dev.promptbatch.metrics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import org.springframework.batch.core.listener.ItemWriteListener;
import org.springframework.batch.infrastructure.item.Chunk;

import dev.promptbatch.outcome.Answer;
import dev.promptbatch.outcome.Failure;
import dev.promptbatch.outcome.Outcome;
import dev.promptbatch.outcome.UnitOutcomes;
import dev.promptbatch.output.RunSummary;

/**
 * Each model's counts while a run goes on, for the metrics written at every progress interval: what earlier
 * executions committed, read from the output and errors files just before this execution writes its first chunk
 * (when the writer has cut them back to what was committed), plus every chunk written since. Counting nothing
 * when the run writes no metrics.
 */
public final class LiveCounts implements ItemWriteListener<UnitOutcomes> {
    private final boolean on;
    private final Supplier<Map<String, ModelCounts>> committedBefore;
    private final boolean retry;
    private Map<String, ModelCounts> counts;

    /** @param committedBefore the run's summary read from its files, as they are when this execution starts */
    public LiveCounts(boolean on, List<String> models, Supplier<RunSummary> committedBefore) {
        this(on, () -> ModelCounts.of(committedBefore.get(), models), false);
    }

    private LiveCounts(boolean on, Supplier<Map<String, ModelCounts>> committedBefore, boolean retry) {
        this.on = on;
        this.committedBefore = committedBefore;
        this.retry = retry;
    }

    /**
     * The counts of a {@code --retry-failed} execution, whose records are already counted as failed: an answer moves
     * one from failed to answered, and a failure again changes nothing.
     *
     * @param committedBefore each model's counts as the files stand when this execution starts, the retry's earlier
     *                        answers counted once
     */
    public static LiveCounts ofRetry(boolean on, Supplier<Map<String, ModelCounts>> committedBefore) {
        return new LiveCounts(on, committedBefore, true);
    }

    @Override
    public void beforeWrite(Chunk<? extends UnitOutcomes> items) {
        if (!on) {
            return;
        }
        synchronized (this) {
            if (counts == null) {
                counts = new LinkedHashMap<>(committedBefore.get());
            }
        }
    }

    @Override
    public void afterWrite(Chunk<? extends UnitOutcomes> items) {
        if (!on) {
            return;
        }
        Map<String, ModelCounts> written = new LinkedHashMap<>();
        for (UnitOutcomes unit : items) {
            for (Outcome outcome : unit.outcomes()) {
                written.merge(outcome.model(), counted(outcome), ModelCounts::plus);
            }
        }
        synchronized (this) {
            written.forEach((model, added) -> counts.merge(model, added, ModelCounts::plus));
        }
    }

    private ModelCounts counted(Outcome outcome) {
        if (outcome instanceof Failure) {
            return retry ? ModelCounts.ZERO : new ModelCounts(0, 1, 0, 0);
        }
        if (outcome instanceof Answer answer) {
            Long tokens = answer.response().evalCount();
            return new ModelCounts(1, retry ? -1 : 0, tokens == null ? 0 : tokens, answer.cached() ? 1 : 0);
        }
        return new ModelCounts(1, retry ? -1 : 0, 0, 0);
    }

    /**
     * Each model's counts so far; none before this execution's first chunk, when what earlier executions committed is
     * not read yet (counts of zero would tell a monitor that the run's counters were reset).
     */
    public synchronized Optional<Map<String, ModelCounts>> snapshot() {
        return counts == null ? Optional.empty() : Optional.of(new LinkedHashMap<>(counts));
    }
}

package dev.promptbatch.outcome;

import java.util.List;

/**
 * What one unit of work became, in input order: one outcome for a generate job's record, one per record for an
 * embed job's batch. The step reads and commits whole units, so that its restart state counts units.
 */
public record UnitOutcomes(List<Outcome> outcomes) {
    public UnitOutcomes {
        outcomes = List.copyOf(outcomes);
    }

    public static UnitOutcomes of(Outcome outcome) {
        return new UnitOutcomes(List.of(outcome));
    }
}

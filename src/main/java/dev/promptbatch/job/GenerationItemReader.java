package dev.promptbatch.job;

import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamException;
import org.springframework.batch.infrastructure.item.ItemStreamReader;

import dev.promptbatch.generation.OrderedPipeline;
import dev.promptbatch.generation.WorkPlan;
import dev.promptbatch.generation.WorkUnit;
import dev.promptbatch.outcome.Failure;
import dev.promptbatch.outcome.Outcome;
import dev.promptbatch.outcome.UnitOutcomes;
import dev.promptbatch.servers.GenerationFailedException;
import dev.promptbatch.spec.ErrorBudget;

/**
 * Reads the outcomes of units of work (a record, or an embed job's batch), in input order, from a pipeline that keeps
 * {@code concurrency} requests in flight across chunk boundaries. Its saved state is the number of units handed to
 * committed chunks: a resumed run skips exactly those units and sends again only what was in flight or not yet
 * committed.
 *
 * <p>On a {@link GracefulStop} it hands over what finished, then ends the input and marks the step to stop, so
 * the last chunk commits and the step ends STOPPED rather than COMPLETED.
 */
public class GenerationItemReader implements ItemStreamReader<UnitOutcomes>, StepExecutionListener {
    private final Supplier<WorkPlan> plans;
    private final Function<WorkUnit, UnitOutcomes> generate;
    private final int concurrency;
    private final int window;
    private final ErrorBudget budget;
    private final GracefulStop stop;
    private StepExecution stepExecution;
    private WorkPlan plan;
    private OrderedPipeline<WorkUnit, UnitOutcomes> pipeline;
    private long handedOver;
    private long records;
    private long failed;

    /** @param generate a unit's outcomes, such as {@code Generator::work}; called by the pipeline's threads */
    public GenerationItemReader(
            Supplier<WorkPlan> plans,
            Function<WorkUnit, UnitOutcomes> generate,
            int concurrency,
            int window,
            ErrorBudget budget,
            GracefulStop stop) {
        this.plans = plans;
        this.generate = generate;
        this.concurrency = concurrency;
        this.window = window;
        this.budget = budget;
        this.stop = stop;
    }

    @Override
    public void beforeStep(StepExecution execution) {
        this.stepExecution = execution;
    }

    @Override
    public void open(ExecutionContext context) {
        RestartState.Read done = RestartState.Read.in(context);
        handedOver = done.handedOver();
        records = done.records();
        failed = done.failed();
        plan = plans.get();
        try {
            plan.skip(handedOver);
        } catch (IllegalStateException e) {
            plan.close();
            throw new ItemStreamException(e.getMessage(), e);
        }
        pipeline = new OrderedPipeline<>(
                plan::next, generate, (a, b) -> Objects.equals(a.model(), b.model()), concurrency, window);
        stop.attach(pipeline);
    }

    @Override
    public UnitOutcomes read() throws InterruptedException {
        UnitOutcomes unit = pipeline.next();
        if (unit != null) {
            handedOver++;
            for (Outcome outcome : unit.outcomes()) {
                records++;
                if (outcome instanceof Failure failure) {
                    failed++;
                    if (budget.exceeded(failed, records, false)) {
                        throw overBudget("the last: line " + failure.line() + ", "
                                + failure.kind().text() + ": " + failure.message());
                    }
                }
            }
        } else if (stop.requested()) {
            stepExecution.setTerminateOnly();
        } else if (budget.exceeded(failed, records, true)) {
            throw overBudget("see the errors file");
        }
        return unit;
    }

    private GenerationFailedException overBudget(String detail) {
        return new GenerationFailedException(
                failed + " of " + records + " records failed, more than " + "max-failures (" + budget + ") allows; "
                        + detail,
                null);
    }

    @Override
    public void update(ExecutionContext context) {
        new RestartState.Read(handedOver, records, failed).saveIn(context);
    }

    @Override
    public void close() {
        stop.detach();
        if (pipeline != null) {
            pipeline.close();
            pipeline = null;
        }
        if (plan != null) {
            plan.close();
            plan = null;
        }
    }
}

package dev.promptbatch.job;

import java.util.function.Function;
import java.util.function.Supplier;

import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamException;
import org.springframework.batch.infrastructure.item.ItemStreamReader;

import dev.promptbatch.generation.OrderedPipeline;
import dev.promptbatch.generation.WorkItem;
import dev.promptbatch.generation.WorkPlan;
import dev.promptbatch.outcome.Failure;
import dev.promptbatch.outcome.Outcome;
import dev.promptbatch.servers.GenerationFailedException;
import dev.promptbatch.spec.ErrorBudget;

/**
 * Reads outcomes, in input order, from a pipeline that keeps {@code concurrency} requests in flight across chunk
 * boundaries. Its saved state is the number of outcomes handed to committed chunks: a resumed run skips exactly
 * those records and sends again only what was in flight or not yet committed.
 *
 * <p>On a {@link GracefulStop} it hands over what finished, then ends the input and marks the step to stop, so
 * the last chunk commits and the step ends STOPPED rather than COMPLETED.
 */
public class GenerationItemReader implements ItemStreamReader<Outcome>, StepExecutionListener {
    private final Supplier<WorkPlan> plans;
    private final Function<WorkItem, Outcome> generate;
    private final int concurrency;
    private final int window;
    private final ErrorBudget budget;
    private final GracefulStop stop;
    private StepExecution stepExecution;
    private WorkPlan plan;
    private OrderedPipeline<WorkItem, Outcome> pipeline;
    private long handedOver;
    private long failed;

    /** @param generate a work item's outcome, such as {@code Generator::generate}; called by the pipeline's threads */
    public GenerationItemReader(
            Supplier<WorkPlan> plans,
            Function<WorkItem, Outcome> generate,
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
        failed = done.failed();
        plan = plans.get();
        try {
            plan.skip(handedOver);
        } catch (IllegalStateException e) {
            plan.close();
            throw new ItemStreamException(e.getMessage(), e);
        }
        pipeline =
                new OrderedPipeline<>(plan::next, generate, (a, b) -> a.model().equals(b.model()), concurrency, window);
        stop.attach(pipeline);
    }

    @Override
    public Outcome read() throws InterruptedException {
        Outcome outcome = pipeline.next();
        if (outcome != null) {
            handedOver++;
            if (outcome instanceof Failure failure) {
                failed++;
                if (budget.exceeded(failed, handedOver, false)) {
                    throw overBudget("the last: line " + failure.line() + ", "
                            + failure.kind().text() + ": " + failure.message());
                }
            }
        } else if (stop.requested()) {
            stepExecution.setTerminateOnly();
        } else if (budget.exceeded(failed, handedOver, true)) {
            throw overBudget("see the errors file");
        }
        return outcome;
    }

    private GenerationFailedException overBudget(String detail) {
        return new GenerationFailedException(
                failed + " of " + handedOver + " records failed, more than " + "max-failures (" + budget + ") allows; "
                        + detail,
                null);
    }

    @Override
    public void update(ExecutionContext context) {
        new RestartState.Read(handedOver, failed).saveIn(context);
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

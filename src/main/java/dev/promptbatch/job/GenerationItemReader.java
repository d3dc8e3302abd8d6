package dev.promptbatch.job;

import java.util.function.Supplier;

import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamException;
import org.springframework.batch.infrastructure.item.ItemStreamReader;

import dev.promptbatch.generation.Generator;
import dev.promptbatch.generation.OrderedPipeline;
import dev.promptbatch.generation.WorkItem;
import dev.promptbatch.generation.WorkPlan;
import dev.promptbatch.output.Outcome;

/**
 * Reads outcomes, in input order, from a pipeline that keeps {@code concurrency} requests in flight across chunk
 * boundaries. Its saved state is the number of outcomes handed to committed chunks: a resumed run skips exactly
 * those records and sends again only what was in flight or not yet committed.
 *
 * <p>On a {@link GracefulStop} it hands over what finished, then ends the input and marks the step to stop, so
 * the last chunk commits and the step ends STOPPED rather than COMPLETED.
 */
public class GenerationItemReader implements ItemStreamReader<Outcome>, StepExecutionListener {
    static final String HANDED_OVER = "generation.handed-over";

    private final Supplier<WorkPlan> plans;
    private final Generator generator;
    private final int concurrency;
    private final int window;
    private final GracefulStop stop;
    private StepExecution stepExecution;
    private WorkPlan plan;
    private OrderedPipeline<WorkItem, Outcome> pipeline;
    private long handedOver;

    public GenerationItemReader(Supplier<WorkPlan> plans, Generator generator, int concurrency, int window,
            GracefulStop stop) {
        this.plans = plans;
        this.generator = generator;
        this.concurrency = concurrency;
        this.window = window;
        this.stop = stop;
    }

    @Override
    public void beforeStep(StepExecution execution) {
        this.stepExecution = execution;
    }

    @Override
    public void open(ExecutionContext context) {
        handedOver = context.getLong(HANDED_OVER, 0L);
        plan = plans.get();
        try {
            plan.skip(handedOver);
        } catch (IllegalStateException e) {
            plan.close();
            throw new ItemStreamException(e.getMessage(), e);
        }
        pipeline = new OrderedPipeline<>(plan::next, generator::generate,
                (a, b) -> a.model().equals(b.model()), concurrency, window);
        stop.attach(pipeline);
    }

    @Override
    public Outcome read() throws InterruptedException {
        Outcome outcome = pipeline.next();
        if (outcome != null) {
            handedOver++;
        } else if (stop.requested()) {
            stepExecution.setTerminateOnly();
        }
        return outcome;
    }

    @Override
    public void update(ExecutionContext context) {
        context.putLong(HANDED_OVER, handedOver);
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

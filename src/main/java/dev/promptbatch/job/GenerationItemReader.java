package dev.promptbatch.job;

import java.util.function.Supplier;

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
 */
public class GenerationItemReader implements ItemStreamReader<Outcome> {
    static final String HANDED_OVER = "generation.handed-over";

    private final Supplier<WorkPlan> plans;
    private final Generator generator;
    private final int concurrency;
    private final int window;
    private WorkPlan plan;
    private OrderedPipeline<WorkItem, Outcome> pipeline;
    private long handedOver;

    public GenerationItemReader(Supplier<WorkPlan> plans, Generator generator, int concurrency, int window) {
        this.plans = plans;
        this.generator = generator;
        this.concurrency = concurrency;
        this.window = window;
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
    }

    @Override
    public Outcome read() throws InterruptedException {
        Outcome outcome = pipeline.next();
        if (outcome != null) {
            handedOver++;
        }
        return outcome;
    }

    @Override
    public void update(ExecutionContext context) {
        context.putLong(HANDED_OVER, handedOver);
    }

    @Override
    public void close() {
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

package dev.promptbatch.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamException;
import org.springframework.batch.test.MetaDataInstanceFactory;

import dev.promptbatch.generation.WorkItem;
import dev.promptbatch.generation.WorkPlan;
import dev.promptbatch.outcome.Answer;
import dev.promptbatch.outcome.Failure;
import dev.promptbatch.outcome.FailureKind;
import dev.promptbatch.outcome.GenerateResponse;
import dev.promptbatch.outcome.Outcome;
import dev.promptbatch.outcome.UnitOutcomes;
import dev.promptbatch.servers.GenerationFailedException;
import dev.promptbatch.spec.ErrorBudget;
import dev.promptbatch.spec.JobSpec;

/** The reader on its own, as the step drives it: open, read until the end, update before each commit, close. */
class GenerationItemReaderTest {
    private static final int RECORDS = 5;

    @TempDir
    Path dir;

    private final ExecutionContext context = new ExecutionContext();
    private final StepExecution step = MetaDataInstanceFactory.createStepExecution();
    private final GracefulStop stop = new GracefulStop(GracefulStop.DEFAULT_GRACE);
    /** The records sent, by number. */
    private final Queue<Long> sent = new ConcurrentLinkedQueue<>();

    private JobSpec spec;

    @BeforeEach
    void writeSpec() throws IOException {
        spec = NumberedJob.write(dir, RECORDS, "a.jsonl", "");
    }

    @Test
    void readsEveryOutcomeInInputOrderAndSavesHowManyWereHandedOverAndFailed() throws InterruptedException {
        GenerationItemReader reader = reader(Set.of(2L), ErrorBudget.UNLIMITED);

        reader.open(context);
        List<Outcome> outcomes = readAll(reader);
        reader.update(context);
        reader.close();

        assertThat(outcomes).extracting(Outcome::id).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(outcomes.get(1)).isInstanceOf(Failure.class);
        assertThat(RestartState.Read.in(context)).isEqualTo(new RestartState.Read(5, 5, 1));
        assertThat(step.isTerminateOnly()).isFalse();
    }

    @Test
    void aResumedReaderSkipsWhatCommittedChunksHadWithoutSendingIt() throws InterruptedException {
        new RestartState.Read(3, 3, 1).saveIn(context);
        GenerationItemReader reader = reader(Set.of(2L), ErrorBudget.UNLIMITED);

        reader.open(context);
        List<Outcome> outcomes = readAll(reader);
        reader.update(context);
        reader.close();

        assertThat(outcomes).extracting(Outcome::id).containsExactly(4L, 5L);
        assertThat(sent).containsExactlyInAnyOrder(4L, 5L);
        assertThat(RestartState.Read.in(context)).isEqualTo(new RestartState.Read(5, 5, 1));
    }

    @Test
    void aFailureOverTheBudgetFailsTheReadNamingIt() throws InterruptedException {
        GenerationItemReader reader = reader(Set.of(2L, 4L), ErrorBudget.count(1));
        reader.open(context);

        assertThat(List.of(reader.read(), reader.read(), reader.read()))
                .extracting(unit -> unit.outcomes().get(0).id())
                .containsExactly(1L, 2L, 3L);
        assertThatThrownBy(reader::read)
                .isInstanceOf(GenerationFailedException.class)
                .hasMessage(
                        "2 of 4 records "
                                + "failed, more than max-failures (1) allows; the last: line 5, rejected: no answer for record 4");
        reader.close();
    }

    @Test
    void aStopRequestedEndsTheInputAndMarksTheStepToStop() throws InterruptedException {
        stop.request("TERM");
        GenerationItemReader reader = reader(Set.of(), ErrorBudget.UNLIMITED);

        reader.open(context);
        assertThat(reader.read()).isNull();
        reader.update(context);
        reader.close();

        assertThat(step.isTerminateOnly()).isTrue();
        assertThat(sent).isEmpty();
        assertThat(RestartState.Read.in(context)).isEqualTo(new RestartState.Read(0, 0, 0));
    }

    @Test
    void anInputShorterThanWhatCommittedChunksHadIsRefusedOnOpen() {
        new RestartState.Read(RECORDS + 1, RECORDS + 1, 0).saveIn(context);
        GenerationItemReader reader = reader(Set.of(), ErrorBudget.UNLIMITED);

        assertThatThrownBy(() -> reader.open(context))
                .isInstanceOf(ItemStreamException.class)
                .hasMessage(
                        "the "
                                + "input has fewer than 6 records left to skip; it changed since the run that is being resumed");
        reader.close();
        assertThat(sent).isEmpty();
    }

    @Test
    void anEmbedJobsUnitsAreBatchesTheStateCountsThemAndAResumeSkipsWholeBatches() throws Exception {
        spec = NumberedJob.write(dir, RECORDS, "a.jsonl", "endpoint: embed\nbatch-size: 2");
        // Two workers take the batches, so they may start in either order; the hand-over is in order.
        List<List<Long>> batches = Collections.synchronizedList(new ArrayList<>());
        GenerationItemReader reader = new GenerationItemReader(
                () -> new WorkPlan(spec),
                unit -> {
                    batches.add(unit.records().stream().map(r -> r.number()).toList());
                    return new UnitOutcomes(unit.items().stream()
                            .<Outcome>map(item -> item.record().number() == 2 ? failure(item) : answer(item))
                            .toList());
                },
                2,
                4,
                ErrorBudget.UNLIMITED,
                stop);
        reader.beforeStep(step);

        reader.open(context);
        List<Outcome> outcomes = readAll(reader);
        reader.update(context);
        reader.close();

        assertThat(batches).containsExactlyInAnyOrder(List.of(1L, 2L), List.of(3L, 4L), List.of(5L));
        assertThat(outcomes).extracting(Outcome::id).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(RestartState.Read.in(context)).isEqualTo(new RestartState.Read(3, 5, 1));

        batches.clear();
        ExecutionContext resumed = new ExecutionContext();
        new RestartState.Read(2, 4, 1).saveIn(resumed);
        reader.open(resumed);
        assertThat(readAll(reader)).extracting(Outcome::id).containsExactly(5L);
        reader.update(resumed);
        reader.close();

        assertThat(batches).containsExactly(List.of(5L));
        assertThat(RestartState.Read.in(resumed)).isEqualTo(new RestartState.Read(3, 5, 1));
    }

    /** A reader whose records with the given numbers fail; the others are answered. */
    private GenerationItemReader reader(Set<Long> failing, ErrorBudget budget) {
        GenerationItemReader reader = new GenerationItemReader(
                () -> new WorkPlan(spec),
                unit -> {
                    WorkItem item = unit.items().get(0);
                    sent.add(item.record().number());
                    return UnitOutcomes.of(failing.contains(item.record().number()) ? failure(item) : answer(item));
                },
                2,
                4,
                budget,
                stop);
        reader.beforeStep(step);
        return reader;
    }

    private static List<Outcome> readAll(GenerationItemReader reader) throws InterruptedException {
        List<Outcome> outcomes = new ArrayList<>();
        for (UnitOutcomes unit = reader.read(); unit != null; unit = reader.read()) {
            outcomes.addAll(unit.outcomes());
        }
        return outcomes;
    }

    private static Answer answer(WorkItem item) {
        return new Answer(
                item.record().number(),
                item.record().line(),
                item.cell(),
                null,
                new GenerateResponse("answer", null, "stop", 1L, 1L, 1L, 0L, 1L, 1L),
                1,
                1,
                "http://gpu1:11434",
                Map.of());
    }

    private static Failure failure(WorkItem item) {
        return new Failure(
                item.record().number(),
                item.record().line(),
                item.cell(),
                null,
                FailureKind.REJECTED,
                "no answer for record " + item.record().number(),
                1,
                "http://gpu1:11434");
    }
}

package dev.promptbatch.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.promptbatch.servers.GenerationFailedException;

class OrderedPipelineTest {

    @Test
    void resultsComeInInputOrderWhateverOrderTheyFinishIn() throws InterruptedException {
        List<Integer> items = IntStream.range(0, 200).boxed().toList();
        Function<Integer, Integer> work = i -> {
            sleep(i % 7 == 0 ? 20 : 1);
            return i * 10;
        };
        List<Integer> results = drain(new OrderedPipeline<>(source(items), work, (a, b) -> true, 8, 32));
        assertThat(results).isEqualTo(items.stream().map(i -> i * 10).toList());
    }

    @Test
    void aSlowItemDoesNotIdleTheOtherWorkers() throws InterruptedException {
        CountDownLatch othersDone = new CountDownLatch(63);
        Function<Integer, Boolean> work = i -> {
            if (i == 0) {
                // The head finishes only once every item behind it has run: the window must not wait for it.
                return await(othersDone);
            }
            othersDone.countDown();
            return true;
        };
        try (OrderedPipeline<Integer, Boolean> pipeline =
                new OrderedPipeline<>(source(IntStream.range(0, 64).boxed().toList()), work, (a, b) -> true, 4, 64)) {
            assertThat(pipeline.next()).isTrue();
        }
    }

    @Test
    void neverMoreThanConcurrencyAtOnce() throws InterruptedException {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        Function<Integer, Integer> work = i -> {
            most.accumulateAndGet(running.incrementAndGet(), Math::max);
            sleep(2);
            running.decrementAndGet();
            return i;
        };
        drain(new OrderedPipeline<>(source(IntStream.range(0, 300).boxed().toList()), work, (a, b) -> true, 5, 80));
        assertThat(most.get()).isEqualTo(5);
    }

    @Test
    void aNewGroupStartsOnlyAfterTheLastGroupIsHandedOver() throws InterruptedException {
        List<String> items = List.of("a1", "a2", "a3", "b1", "b2");
        List<String> log = new ArrayList<>();
        Function<String, String> work = item -> {
            synchronized (log) {
                log.add("start " + item);
            }
            sleep(item.equals("a1") ? 50 : 1);
            synchronized (log) {
                log.add("end " + item);
            }
            return item;
        };
        List<String> results =
                drain(new OrderedPipeline<>(source(items), work, (x, y) -> x.charAt(0) == y.charAt(0), 4, 8));
        assertThat(results).isEqualTo(items);
        int lastEndOfA = Math.max(log.indexOf("end a1"), Math.max(log.indexOf("end a2"), log.indexOf("end a3")));
        assertThat(log.indexOf("start b1")).isGreaterThan(lastEndOfA);
    }

    @Test
    void aFailureIsThrownInItsTurnAndStopsWorkNotStarted() throws InterruptedException {
        AtomicInteger started = new AtomicInteger();
        Function<Integer, Integer> work = i -> {
            started.incrementAndGet();
            if (i == 3) {
                throw new GenerationFailedException("server gone", null);
            }
            sleep(20);
            return i;
        };
        try (OrderedPipeline<Integer, Integer> pipeline = new OrderedPipeline<>(
                source(IntStream.range(0, 1000).boxed().toList()), work, (a, b) -> true, 2, 100)) {
            assertThat(pipeline.next()).isZero();
            assertThat(pipeline.next()).isEqualTo(1);
            assertThat(pipeline.next()).isEqualTo(2);
            assertThatThrownBy(pipeline::next)
                    .isInstanceOf(GenerationFailedException.class)
                    .hasMessage("server gone");
        }
        assertThat(started.get()).isLessThan(10);
    }

    private static <T> Supplier<T> source(List<T> items) {
        Iterator<T> iterator = items.iterator();
        return () -> iterator.hasNext() ? iterator.next() : null;
    }

    private static <T, R> List<R> drain(OrderedPipeline<T, R> pipeline) throws InterruptedException {
        List<R> results = new ArrayList<>();
        try (pipeline) {
            for (R r = pipeline.next(); r != null; r = pipeline.next()) {
                results.add(r);
            }
        }
        return results;
    }

    private static boolean await(CountDownLatch latch) {
        try {
            return latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

package dev.promptbatch.generation;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Runs work on at most {@code concurrency} threads and hands results back in input order.
 *
 * <p>Items are taken from the source on the caller's thread, up to {@code window} ahead of the result being waited
 * for. A slow item therefore holds back only the hand-over, not the work: the other threads go on with the items
 * behind it, and every slot stays busy as long as the window has items queued. The window bounds the memory held
 * and the work that is lost if the process dies before the results are handed over and committed.
 *
 * <p>An item that starts a new group (another model) waits until every earlier item is handed over, so that two
 * groups never run at once.
 *
 * <p>Stopping comes in two strengths, callable from any thread: {@link #stopIntake()} lets work under way finish and
 * drops the rest; {@link #abandon()} interrupts work under way too. Either way {@link #next()} then returns null at
 * the first item that did not finish.
 */
public final class OrderedPipeline<T, R> implements AutoCloseable {
    private final Supplier<T> source;
    private final Function<T, R> work;
    private final BiPredicate<T, T> sameGroup;
    private final int window;
    private final ExecutorService workers;
    private final Deque<Future<R>> pending = new ArrayDeque<>();
    private static final long POLL_MILLIS = 100;

    /**
     * The submission number of the earliest item whose work failed: work after it that has not started is dropped,
     * work before it still runs, so that every result before the failure is handed over and the failure is thrown
     * in its own turn. {@link Long#MIN_VALUE} once closed.
     */
    private final AtomicLong firstFailed = new AtomicLong(Long.MAX_VALUE);

    private long submitted;
    private volatile boolean stopping;
    private volatile boolean abandoned;
    private T held;
    private T lastSubmitted;
    private boolean sourceDone;

    public OrderedPipeline(
            Supplier<T> source, Function<T, R> work, BiPredicate<T, T> sameGroup, int concurrency, int window) {
        if (concurrency < 1 || window < concurrency) {
            throw new IllegalArgumentException("need 1 <= concurrency <= window");
        }
        this.source = source;
        this.work = work;
        this.sameGroup = sameGroup;
        this.window = window;
        AtomicInteger threadNumber = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(concurrency, runnable -> {
            Thread thread = new Thread(runnable, "generate-" + threadNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * The next result in input order, or null when the source is exhausted and every result was handed over, or
     * when a stop reached the next item. An exception thrown by the work is rethrown here, in its turn, and stops
     * work not yet started.
     */
    public R next() throws InterruptedException {
        fill();
        Future<R> head = pending.peek();
        while (head != null) {
            if (abandoned) {
                pending.forEach(future -> future.cancel(true));
                return null;
            }
            try {
                R result = head.get(POLL_MILLIS, TimeUnit.MILLISECONDS);
                pending.poll();
                return result;
            } catch (TimeoutException e) {
                // Poll again, so that abandon() is noticed while a slow answer is awaited.
            } catch (CancellationException e) {
                return null;
            } catch (ExecutionException e) {
                if (stopping && e.getCause() instanceof CancellationException) {
                    return null;
                }
                pending.poll();
                if (e.getCause() instanceof RuntimeException runtime) {
                    throw runtime;
                }
                throw new IllegalStateException(e.getCause());
            }
        }
        return null;
    }

    /** Sends nothing new: work not yet started is dropped, work under way may finish. */
    public void stopIntake() {
        stopping = true;
    }

    /** Gives up on work under way as well, interrupting it. */
    public void abandon() {
        stopping = true;
        abandoned = true;
        workers.shutdownNow();
    }

    private void fill() {
        while (pending.size() < window && !sourceDone && !stopping) {
            T item = held != null ? held : source.get();
            held = null;
            if (item == null) {
                sourceDone = true;
                return;
            }
            if (lastSubmitted != null && !sameGroup.test(lastSubmitted, item) && !pending.isEmpty()) {
                held = item;
                return;
            }
            long number = submitted++;
            pending.add(workers.submit(() -> {
                if (stopping || number > firstFailed.get()) {
                    throw new CancellationException("not started: the run is stopping");
                }
                try {
                    return work.apply(item);
                } catch (RuntimeException e) {
                    firstFailed.accumulateAndGet(number, Math::min);
                    throw e;
                }
            }));
            lastSubmitted = item;
        }
    }

    /** Stops the workers, interrupting work in progress; results not handed over are dropped. */
    @Override
    public void close() {
        firstFailed.set(Long.MIN_VALUE);
        workers.shutdownNow();
    }
}

package dev.promptbatch.job;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.promptbatch.generation.OrderedPipeline;

/**
 * A request to stop a run, from SIGINT or SIGTERM. The first request sends nothing new and lets the requests in
 * flight finish, for at most the grace period; a second request, or the end of the grace period, gives up on them.
 * What was answered is committed either way, and the run ends STOPPED, resumable.
 */
public final class GracefulStop {
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(GracefulStop.class);

    private final Duration grace;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "stop-grace");
        thread.setDaemon(true);
        return thread;
    });
    private String signal;
    private int requests;
    private OrderedPipeline<?, ?> pipeline;
    private Thread waiting;

    public GracefulStop(Duration grace) {
        this.grace = grace;
    }

    /** Called from a signal handler: the first call stops intake, the second abandons work in flight. */
    public synchronized void request(String signalName) {
        requests++;
        if (requests == 1) {
            signal = signalName;
            if (pipeline == null) {
                log.warn("SIG{}: stopping; no request is in flight", signalName);
            } else {
                log.warn(
                        "SIG{}: sending nothing new; waiting up to {} s for the requests in flight (signal again "
                                + "to stop at once)",
                        signalName,
                        grace.toSeconds());
            }
            if (pipeline != null) {
                pipeline.stopIntake();
            }
            if (waiting != null) {
                waiting.interrupt();
            }
            timer.schedule(this::abandon, grace.toMillis(), TimeUnit.MILLISECONDS);
        } else if (requests == 2) {
            log.warn("SIG{} again: stopping now", signalName);
            abandon();
        }
    }

    /** The signal that asked to stop, such as INT or TERM, or null. */
    public synchronized String signal() {
        return signal;
    }

    public synchronized boolean requested() {
        return requests > 0;
    }

    /**
     * Runs a wait that a stop cuts short, such as the checks of a server that accepts connections but never answers:
     * a stop request interrupts it, and it ends with a {@link CancellationException}.
     */
    <T> T interruptible(Supplier<T> wait) {
        synchronized (this) {
            if (requests > 0) {
                throw new CancellationException("stop requested");
            }
            waiting = Thread.currentThread();
        }
        try {
            return wait.get();
        } finally {
            synchronized (this) {
                waiting = null;
                if (requests > 0) {
                    // The interrupt was ours: whatever runs next (committing, closing the database) must not see it.
                    Thread.interrupted();
                }
            }
        }
    }

    /** The pipeline to stop; a stop already requested applies to it at once. */
    synchronized void attach(OrderedPipeline<?, ?> attached) {
        this.pipeline = attached;
        if (requests >= 1) {
            attached.stopIntake();
        }
        if (requests >= 2) {
            attached.abandon();
        }
    }

    synchronized void detach() {
        pipeline = null;
    }

    private synchronized void abandon() {
        if (pipeline != null) {
            pipeline.abandon();
        }
    }
}

package dev.promptbatch.simulator;

import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ollama's scheduler in miniature: which models are loaded, loading one at a time, making room by unloading the
 * least recently used model (after its requests finish), and the per-model FIFO slots that bound parallel
 * generation.
 */
final class ModelScheduler {

    private static final Logger log = LoggerFactory.getLogger(ModelScheduler.class);

    /** A warm request still pays the runner's health check, a few milliseconds in Ollama. */
    private static final long HEALTH_CHECK_MILLIS = 2;

    private enum State {
        LOADING,
        READY,
        DRAINING
    }

    /** A loaded model, like one llama-server runner: its slots and the requests using it. */
    static final class Runner {
        private final String model;
        private final Semaphore slots;
        private State state = State.LOADING;
        private int users;
        private long lastUsed;
        private boolean unloadWhenIdle;

        private Runner(String model, int parallel) {
            this.model = model;
            this.slots = new Semaphore(parallel, true); // fair: requests get slots in arrival order
        }

        /** Waits for a generation slot, first come first served, without limit. */
        void acquireSlot() throws InterruptedException {
            slots.acquire();
        }

        /** Whether every slot is taken and {@code maxQueue} requests already wait for one. */
        boolean queueFull(int maxQueue) {
            return slots.availablePermits() == 0 && slots.getQueueLength() >= maxQueue;
        }

        void releaseSlot() {
            slots.release();
        }
    }

    private final int parallel;
    private final long loadMillis;
    private final int maxLoadedModels;
    private final SimulatorStats stats;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled whenever a runner is loaded, released or unloaded. */
    private final Condition changed = lock.newCondition();

    private final Map<String, Runner> runners = new HashMap<>();
    /** Held by the one request that is making room for and loading a model. */
    private boolean loadInProgress;

    private long useClock;

    ModelScheduler(SimulatorSettings settings, SimulatorStats stats) {
        this.parallel = settings.parallel();
        this.loadMillis = settings.loadMillis();
        this.maxLoadedModels = settings.maxLoadedModels();
        this.stats = stats;
    }

    /**
     * Returns the model's runner, loading it first if needed; every call must be paired with {@link #release}.
     *
     * @param keepAliveNanos the request's {@code keep_alive}, null when absent; 0 unloads the model once idle
     */
    Runner acquire(String model, Long keepAliveNanos) throws InterruptedException {
        Runner runner;
        boolean warm;
        lock.lockInterruptibly();
        try {
            while (true) {
                runner = runners.get(model);
                if (runner != null && runner.state == State.READY) {
                    warm = true;
                    break;
                }
                if (runner == null && !loadInProgress) {
                    runner = load(model, () -> {});
                    warm = false;
                    break;
                }
                changed.await(); // the model is loading or draining, or another model is loading
            }
            runner.users++;
            runner.lastUsed = ++useClock;
            if (keepAliveNanos != null) {
                runner.unloadWhenIdle = keepAliveNanos == 0; // the last request's keep_alive wins, as in Ollama
            }
        } finally {
            lock.unlock();
        }
        if (warm) {
            try {
                TimeUnit.MILLISECONDS.sleep(Math.min(HEALTH_CHECK_MILLIS, loadMillis));
            } catch (InterruptedException e) {
                release(runner);
                throw e;
            }
        }
        return runner;
    }

    /** Ends a request's use of the runner; unloads it if it is idle and due to go. */
    void release(Runner runner) {
        lock.lock();
        try {
            runner.users--;
            if (runner.users == 0 && (runner.state == State.DRAINING || runner.unloadWhenIdle)) {
                unload(runner);
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** {@code keep_alive: 0} with an empty prompt: unload now, or as soon as the model's requests finish. */
    void unloadWhenIdle(String model) {
        lock.lock();
        try {
            Runner runner = runners.get(model);
            if (runner == null) {
                return;
            }
            if (runner.users == 0 && runner.state == State.READY) {
                unload(runner);
                changed.signalAll();
            } else {
                runner.unloadWhenIdle = true;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Loads {@code model} with no request waiting for it, as a server that loads its model when it starts; runs
     * {@code loadBegun} once the load is under way, so that {@link #loading()} is true.
     */
    void preload(String model, Runnable loadBegun) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (loadInProgress) {
                changed.await();
            }
            if (runners.containsKey(model)) {
                loadBegun.run();
                return;
            }
            load(model, loadBegun);
        } finally {
            lock.unlock();
        }
    }

    /** Whether a model is being loaded (or room made for one) right now. */
    boolean loading() {
        lock.lock();
        try {
            return loadInProgress;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Called with the lock held and no load in progress; returns the loaded runner. {@code loadBegun} runs once the
     * runner is registered and before the wait for the load.
     */
    private Runner load(String model, Runnable loadBegun) throws InterruptedException {
        loadInProgress = true;
        Runner runner = null;
        try {
            makeRoom();
            runner = new Runner(model, parallel);
            runners.put(model, runner);
            log.debug("loading {}", model);
            loadBegun.run();
            lock.unlock(); // requests for loaded models go on meanwhile
            try {
                TimeUnit.MILLISECONDS.sleep(loadMillis);
            } finally {
                lock.lock();
            }
            runner.state = State.READY;
            stats.modelLoaded(model);
            return runner;
        } catch (InterruptedException e) {
            if (runner != null) {
                runners.remove(model, runner);
            }
            throw e;
        } finally {
            loadInProgress = false;
            changed.signalAll();
        }
    }

    /**
     * Unloads models until there is room for one more. The victim is the least recently used idle model, else the
     * least recently used one, which first stops taking requests and finishes those it has.
     */
    private void makeRoom() throws InterruptedException {
        while (runners.size() >= maxLoadedModels) {
            Runner victim = runners.values().stream()
                    .filter(r -> r.state == State.DRAINING)
                    .findFirst()
                    .orElseGet(() -> runners.values().stream()
                            .min(Comparator.comparing((Runner r) -> r.users > 0).thenComparingLong(r -> r.lastUsed))
                            .orElseThrow());
            if (victim.users == 0) {
                unload(victim);
            } else {
                victim.state = State.DRAINING;
                changed.await();
            }
        }
    }

    private void unload(Runner runner) {
        runners.remove(runner.model, runner);
        log.debug("unloaded {}", runner.model);
    }
}

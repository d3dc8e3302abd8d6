package dev.promptbatch.simulator;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the simulator has seen, for tests and benchmarks. Thread-safe; every getter returns a snapshot.
 *
 * <p>Counts cover every {@code POST /api/generate}, {@code /api/chat} and {@code /api/embed}, including rejected
 * and faulted ones. Times are
 * {@link System#nanoTime()} marks of this JVM, so only their differences mean something.
 */
public final class SimulatorStats {

    private final AtomicLong versionRequests = new AtomicLong();
    private final AtomicLong generateRequests = new AtomicLong();
    private final AtomicLong chatRequests = new AtomicLong();
    private final AtomicLong embedRequests = new AtomicLong();
    private final AtomicLong embedInputs = new AtomicLong();
    private final AtomicLong busyAnswers = new AtomicLong();
    private final Map<String, Integer> unansweredByPrompt = new ConcurrentHashMap<>();
    private final Map<String, Integer> requestsByPrompt = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final AtomicInteger generating = new AtomicInteger();
    private final AtomicInteger waitingForSlot = new AtomicInteger();
    private final AtomicInteger maxGenerating = new AtomicInteger();
    private final Map<String, Integer> loads = new ConcurrentHashMap<>();
    private final AtomicLong slotBusyNanos = new AtomicLong();
    private final AtomicLong firstRequestNanos = new AtomicLong();
    private final AtomicLong lastAnswerNanos = new AtomicLong();

    /** {@code GET /api/version} requests received, answered or held ({@link SimulatorFaults#holdVersion()}). */
    public long versionRequests() {
        return versionRequests.get();
    }

    void versionRequested() {
        versionRequests.incrementAndGet();
    }

    /** {@code POST /api/generate} requests received. */
    public long generateRequests() {
        return generateRequests.get();
    }

    /** {@code POST /api/chat} requests received. */
    public long chatRequests() {
        return chatRequests.get();
    }

    /** {@code POST /api/embed} requests received. */
    public long embedRequests() {
        return embedRequests.get();
    }

    /** Inputs of {@code /api/embed} requests that passed decoding: one per string of {@code input}. */
    public long embedInputs() {
        return embedInputs.get();
    }

    /** Requests answered 503 "server busy" because the queue was full ({@link ServerQuirks#maxQueue()}). */
    public long busyAnswers() {
        return busyAnswers.get();
    }

    /**
     * Requests for this prompt that got no answer a client would count as an attempt: refused as busy (503 "server
     * busy", 429), dropped before any response byte, or cut off mid-answer (a lost connection is the server's
     * failure, not the request's).
     */
    public int unansweredForPrompt(String prompt) {
        return unansweredByPrompt.getOrDefault(prompt, 0);
    }

    /** {@link #unansweredForPrompt} for every prompt that had any, sorted by prompt. */
    public Map<String, Integer> unansweredByPrompt() {
        return new TreeMap<>(unansweredByPrompt);
    }

    void busyAnswered(String prompt) {
        busyAnswers.incrementAndGet();
        unanswered(prompt);
    }

    void unanswered(String prompt) {
        unansweredByPrompt.merge(prompt, 1, Integer::sum);
    }

    /** How many {@code /api/generate} requests carried exactly this (non-empty) prompt. */
    public int requestsForPrompt(String prompt) {
        return requestsByPrompt.getOrDefault(prompt, 0);
    }

    /** Requests per non-empty prompt, sorted by prompt. */
    public Map<String, Integer> requestsByPrompt() {
        return new TreeMap<>(requestsByPrompt);
    }

    /** Generate requests received and not yet answered: waiting for a load or a slot, or in a slot. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Requests waiting for a generation slot of a loaded model: Ollama's queue behind its slots. */
    public int waitingForSlot() {
        return waitingForSlot.get();
    }

    public int maxInFlight() {
        return maxInFlight.get();
    }

    /** The most requests that held a generation slot at the same time (over all models). */
    public int maxGenerating() {
        return maxGenerating.get();
    }

    /** Model name to the number of times it was loaded. */
    public Map<String, Integer> loads() {
        return new TreeMap<>(loads);
    }

    /**
     * Total time requests held a generation slot, summed over slots. Slot efficiency is
     * {@code slotBusyNanos / (parallel * (lastAnswerNanos - firstRequestNanos))}.
     */
    public long slotBusyNanos() {
        return slotBusyNanos.get();
    }

    /** {@link System#nanoTime()} when the first generate request arrived, 0 if none. */
    public long firstRequestNanos() {
        return firstRequestNanos.get();
    }

    /** {@link System#nanoTime()} when the last generate answer was sent, 0 if none. */
    public long lastAnswerNanos() {
        return lastAnswerNanos.get();
    }

    /**
     * Starts counting afresh. Requests still in flight stay counted in {@link #inFlight()}, so the gauges remain
     * right when they finish; the maxima restart from the current values.
     */
    public void reset() {
        versionRequests.set(0);
        generateRequests.set(0);
        chatRequests.set(0);
        embedRequests.set(0);
        embedInputs.set(0);
        busyAnswers.set(0);
        unansweredByPrompt.clear();
        requestsByPrompt.clear();
        maxInFlight.set(inFlight.get());
        maxGenerating.set(generating.get());
        loads.clear();
        slotBusyNanos.set(0);
        firstRequestNanos.set(0);
        lastAnswerNanos.set(0);
    }

    void requestReceived(Endpoint endpoint) {
        (endpoint == Endpoint.CHAT ? chatRequests : generateRequests).incrementAndGet();
        inFlightStarted();
    }

    void embedRequestReceived() {
        embedRequests.incrementAndGet();
        inFlightStarted();
    }

    void embedInputsReceived(int count) {
        embedInputs.addAndGet(count);
    }

    private void inFlightStarted() {
        firstRequestNanos.compareAndSet(0, System.nanoTime());
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
    }

    void promptReceived(String prompt) {
        if (!prompt.isEmpty()) {
            requestsByPrompt.merge(prompt, 1, Integer::sum);
        }
    }

    void requestAnswered() {
        inFlight.decrementAndGet();
        // Concurrent answers may arrive here out of order; keep the latest mark.
        lastAnswerNanos.accumulateAndGet(System.nanoTime(), Math::max);
    }

    void slotWaitStarted() {
        waitingForSlot.incrementAndGet();
    }

    void slotWaitEnded() {
        waitingForSlot.decrementAndGet();
    }

    void generationStarted() {
        int now = generating.incrementAndGet();
        maxGenerating.accumulateAndGet(now, Math::max);
    }

    void generationFinished(long busyNanos) {
        generating.decrementAndGet();
        slotBusyNanos.addAndGet(busyNanos);
    }

    void modelLoaded(String model) {
        loads.merge(model, 1, Integer::sum);
    }
}

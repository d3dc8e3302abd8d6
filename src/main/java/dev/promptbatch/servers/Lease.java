package dev.promptbatch.servers;

import dev.promptbatch.ollama.OllamaException;

/**
 * One request's slot on one server, from {@link ServerPool#acquire}: the request is sent to {@link #server()}, its
 * outcome is reported once (answered, failed, busy or abandoned), and {@link #close()} gives the slot back.
 */
public final class Lease implements AutoCloseable {
    private final ServerPool pool;
    private final PooledServer server;
    private final AdaptiveConcurrency.Permit permit;
    private final ConcurrencyTuner.Sent sent;

    Lease(ServerPool pool, PooledServer server, AdaptiveConcurrency.Permit permit) {
        this.pool = pool;
        this.server = server;
        this.permit = permit;
        this.sent = server.tuner() == null ? null : server.tuner().sent();
    }

    public PooledServer server() {
        return server;
    }

    /** The server answered (any answer but busy, including a refusal of this request). */
    public void answered(long nanos) {
        server.gate().succeeded(nanos);
        server.concurrency().answered();
    }

    /**
     * The server generated an answer of {@code evalCount} tokens ({@code eval_count}; null when it reports none, as
     * Ollama leaves out a 0) in {@code nanos} from sending to the answer.
     */
    public void answered(long nanos, Long evalCount) {
        answered(nanos);
        if (sent != null) {
            server.tuner()
                    .answered(
                            sent,
                            nanos,
                            evalCount == null ? 0 : evalCount,
                            server.concurrency().meanInFlightSince(permit));
        }
    }

    /** The request failed without an answer, or with one that says the server is away. */
    public void failed(long nanos, OllamaException failure) {
        server.gate().failed(nanos, failure);
    }

    /** The server said it is busy: it is there, but takes fewer requests at once for a while. */
    public void busy(long nanos, OllamaException failure) {
        server.gate().succeeded(nanos);
        server.concurrency().busy(permit, failure.getMessage());
    }

    /** The request never completed (interrupted): it says nothing about the server. */
    public void abandoned() {
        server.gate().abandoned();
    }

    @Override
    public void close() {
        server.concurrency().release();
        pool.released();
    }
}

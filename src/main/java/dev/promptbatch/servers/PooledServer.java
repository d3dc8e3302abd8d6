package dev.promptbatch.servers;

import dev.promptbatch.ollama.ServerClient;

/**
 * One server as a run uses it: where it is, its client, its circuit breaker and its bound on requests in flight.
 *
 * @param tuner with {@code concurrency: auto}, what moves the bound to the server's knee; null with a fixed one
 */
public record PooledServer(
        ServerTarget target,
        ServerClient client,
        ServerGate gate,
        AdaptiveConcurrency concurrency,
        ConcurrencyTuner tuner) {

    /** The URL without credentials. */
    public String display() {
        return target.display();
    }

    /** The most requests in flight this server takes: the configured concurrency, or where auto has it now. */
    public int concurrencyInUse() {
        return tuner == null ? target.concurrency() : tuner.level();
    }
}

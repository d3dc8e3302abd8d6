package dev.promptbatch.servers;

import dev.promptbatch.ollama.OllamaClient;

/** One server as a run uses it: where it is, its client, its circuit breaker and its bound on requests in flight. */
public record PooledServer(ServerTarget target, OllamaClient client, ServerGate gate, AdaptiveConcurrency concurrency) {

    /** The URL without credentials. */
    public String display() {
        return target.display();
    }
}

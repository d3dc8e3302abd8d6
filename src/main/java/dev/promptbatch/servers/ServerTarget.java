package dev.promptbatch.servers;

import java.time.Duration;

import dev.promptbatch.ollama.OllamaClient;
import dev.promptbatch.ollama.ServerAddress;
import dev.promptbatch.ollama.ServerClient;
import dev.promptbatch.openai.ApiKey;
import dev.promptbatch.openai.OpenAiClient;
import dev.promptbatch.spec.ServerApi;

/**
 * One server a run sends requests to, the API it speaks, and how many requests it may have in flight there.
 *
 * @param concurrency the most requests in flight on this server; with {@code autoConcurrency}, the most the tuning
 *     may reach
 * @param autoConcurrency {@code concurrency: auto}: the run looks for the level past which the server's generated
 *     tokens/s stop rising, and stays there
 * @param key the bearer token for an {@code api: openai} server, or null; shown only by its variable's name
 */
public record ServerTarget(ServerAddress address, int concurrency, boolean autoConcurrency, ServerApi api, ApiKey key) {
    /** The most requests in flight that {@code concurrency: auto} may reach on one server. */
    public static final int AUTO_CEILING = 16;

    public ServerTarget {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
        }
    }

    /** An Ollama server. */
    public ServerTarget(ServerAddress address, int concurrency, boolean autoConcurrency) {
        this(address, concurrency, autoConcurrency, ServerApi.OLLAMA, null);
    }

    /** The URL without credentials, for logs, output records and the manifest. */
    public String display() {
        return address.display();
    }

    /** A client for the API the server speaks, with a pool of {@code connections}. */
    public ServerClient client(Duration timeout, int connections) {
        return api == ServerApi.OPENAI
                ? new OpenAiClient(address, key, timeout, connections)
                : new OllamaClient(address, timeout, connections);
    }
}

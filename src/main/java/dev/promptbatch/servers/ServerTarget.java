package dev.promptbatch.servers;

import dev.promptbatch.ollama.ServerAddress;

/**
 * One server a run sends requests to, and how many it may have in flight there.
 *
 * @param concurrency the most requests in flight on this server; with {@code autoConcurrency}, the most the tuning
 *     may reach
 * @param autoConcurrency {@code concurrency: auto}: the run looks for the level past which the server's generated
 *     tokens/s stop rising, and stays there
 */
public record ServerTarget(ServerAddress address, int concurrency, boolean autoConcurrency) {
    /** The most requests in flight that {@code concurrency: auto} may reach on one server. */
    public static final int AUTO_CEILING = 16;

    public ServerTarget {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
        }
    }

    /** The URL without credentials, for logs, output records and the manifest. */
    public String display() {
        return address.display();
    }
}

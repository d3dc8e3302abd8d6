package dev.promptbatch.ollama;

import java.time.Duration;

/**
 * A request that did not produce an answer. {@link #isTransient()} tells whether sending it again can help:
 * connection failures, timeouts, 429/500/502/503/504 and broken bodies can; 4xx rejections and a 500 that
 * names a mistake in the request cannot.
 */
public class OllamaException extends RuntimeException {
    private final int status;
    private final boolean transientFailure;
    private final Duration retryAfter;

    public OllamaException(String message, int status, boolean transientFailure, Duration retryAfter,
            Throwable cause) {
        super(message, cause);
        this.status = status;
        this.transientFailure = transientFailure;
        this.retryAfter = retryAfter;
    }

    /** The HTTP status, or 0 when no response arrived. */
    public int status() {
        return status;
    }

    public boolean isTransient() {
        return transientFailure;
    }

    /** The server's Retry-After, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }
}

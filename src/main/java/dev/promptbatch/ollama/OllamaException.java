package dev.promptbatch.ollama;

import java.time.Duration;

/**
 * A request that did not produce an answer, and why. {@link #isTransient()} tells whether sending it again can
 * help; {@link #serverDown()} whether the failure says the server as a whole is unavailable (rather than this one
 * request going wrong), which pauses all requests instead of failing records.
 */
public class OllamaException extends RuntimeException {
    /** Why a request failed. */
    public enum Reason {
        /** No connection could be made. */
        UNREACHABLE,
        /** The connection was reset or closed before the whole answer arrived. */
        CONNECTION_LOST,
        /** No complete answer within the timeout. */
        TIMEOUT,
        /** An HTTP status other than 200. */
        STATUS,
        /** A 200 whose body is not Ollama's JSON. */
        BAD_BODY,
        /** A 200 with {@code done: false}: the generation ended early. */
        NOT_DONE
    }

    private final Reason reason;
    private final int status;
    private final Duration retryAfter;

    public OllamaException(Reason reason, String message, int status, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.status = status;
        this.retryAfter = retryAfter;
    }

    public Reason reason() {
        return reason;
    }

    /** The HTTP status, or 0 when no response arrived. */
    public int status() {
        return status;
    }

    /**
     * 5xx and 429 can pass, and so can every failure without a status; a 500 that names a mistake in the request
     * (a wrongly typed option, a bad format) and every other 4xx cannot.
     */
    public boolean isTransient() {
        if (reason != Reason.STATUS) {
            return true;
        }
        if (status == 500) {
            return !(getMessage().contains("must be of type") || getMessage().contains("invalid format"));
        }
        return status == 429 || status == 502 || status == 503 || status == 504;
    }

    /** Unreachable, cut off, overloaded or behind a failing gateway: the server, not this request. */
    public boolean serverDown() {
        return reason == Reason.UNREACHABLE || reason == Reason.CONNECTION_LOST
                || (reason == Reason.STATUS && (status == 429 || status == 502 || status == 503 || status == 504));
    }

    /** The server's Retry-After, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }
}

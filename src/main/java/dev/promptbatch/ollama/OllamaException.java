package dev.promptbatch.ollama;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * A request that did not produce an answer, and why. {@link #isTransient()} tells whether sending it again can
 * help; {@link #isBusy()} whether the server is there but has more work than it takes, which slows the client
 * down; {@link #serverDown()} whether the server as a whole is unavailable (rather than this one request going
 * wrong), which pauses all requests instead of failing records.
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

    /** What 503 answers say when the server is busy rather than away. */
    private static final List<String> BUSY_WORDS = List.of("busy", "pending requests", "too many", "too quickly",
            "overloaded", "rate limit");

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

    /**
     * Too many requests: 429, or a 503 that says the server is busy (Ollama's full queue, KoboldCpp's "Server is
     * busy", a rate limit) or asks to come back later with Retry-After. A busy server answers; it is not away.
     */
    public boolean isBusy() {
        if (reason != Reason.STATUS) {
            return false;
        }
        if (status == 429) {
            return true;
        }
        if (status != 503) {
            return false;
        }
        String message = getMessage().toLowerCase(Locale.ROOT);
        return retryAfter != null || BUSY_WORDS.stream().anyMatch(message::contains);
    }

    /**
     * Unreachable, cut off, or a gateway or server that says it is unavailable (502, 504, a 503 that is not
     * {@linkplain #isBusy() busy}): the server, not this request.
     */
    public boolean serverDown() {
        return reason == Reason.UNREACHABLE || reason == Reason.CONNECTION_LOST
                || (reason == Reason.STATUS && (status == 502 || status == 503 || status == 504) && !isBusy());
    }

    /** The server's Retry-After, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }
}

package dev.promptbatch.ollama;

import java.time.Duration;

/**
 * A request that did not produce an answer, why, and what that means for sending it again ({@link #failureClass()},
 * decided by {@link FailureClassifier}).
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

    private static final String INPUT_TOO_LONG = "the input length exceeds the context length";

    private final Reason reason;
    private final FailureClass failureClass;
    private final int status;
    private final String serverMessage;
    private final Duration retryAfter;

    /** A 200 whose body is not a complete answer: the request may be sent again. */
    public static OllamaException brokenAnswer(String message) {
        return new OllamaException(Reason.BAD_BODY, message, null);
    }

    /** A failure with no HTTP status to read: the reason alone classifies it. */
    OllamaException(Reason reason, String message, Throwable cause) {
        this(reason, FailureClassifier.withoutStatus(reason), message, statusOf(reason), null, null, cause);
    }

    /** An answer with a status other than 200. */
    OllamaException(int status, ErrorBody body, Duration retryAfter) {
        this(
                Reason.STATUS,
                FailureClassifier.ofStatus(status, body, retryAfter != null),
                "HTTP " + status + ": " + body.message(),
                status,
                body.message(),
                retryAfter,
                null);
    }

    private OllamaException(
            Reason reason,
            FailureClass failureClass,
            String message,
            int status,
            String serverMessage,
            Duration retryAfter,
            Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.failureClass = failureClass;
        this.status = status;
        this.serverMessage = serverMessage;
        this.retryAfter = retryAfter;
    }

    public Reason reason() {
        return reason;
    }

    public FailureClass failureClass() {
        return failureClass;
    }

    /** The HTTP status, or 0 when no response arrived. */
    public int status() {
        return status;
    }

    /** The message of the server's error answer (a status other than 200), or null when none arrived. */
    public String serverMessage() {
        return serverMessage;
    }

    /**
     * Whether the server refused an embed request because one of its inputs is longer than the model's context
     * ({@code truncate: false}): Ollama says so for the whole request, without naming the input.
     */
    public boolean inputTooLong() {
        return status == 400 && getMessage().contains(INPUT_TOO_LONG);
    }

    /** The server's Retry-After, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** A broken 200 carries its status; a failure before any answer has none. */
    private static int statusOf(Reason reason) {
        return reason == Reason.BAD_BODY || reason == Reason.NOT_DONE ? 200 : 0;
    }
}

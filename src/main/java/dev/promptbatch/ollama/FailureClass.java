package dev.promptbatch.ollama;

/** What a failed request means for sending it again; decided by {@link FailureClassifier}. */
public enum FailureClass {
    /** This request went wrong in a way that can pass: send it again, within the retry budget. */
    TRANSIENT,
    /** The server is there but has more work than it takes: wait a little and send fewer at once; no attempt. */
    BUSY,
    /** The server as a whole is unavailable: pause every request until it answers; no record fails for it. */
    AWAY,
    /**
     * The server refuses who is asking (401, 403: a wrong or missing key): every request would be refused alike, so
     * the run stops, as it would have before it started had the checks met it.
     */
    DENIED,
    /** The server refused this request and will refuse it again: the record fails at once. */
    REJECTED
}

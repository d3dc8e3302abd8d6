package dev.promptbatch.outcome;

/**
 * Why a record failed for good. {@link #text()} is the {@code kind} the errors file says: it is part of the file
 * format, so earlier errors files read the same.
 */
public enum FailureKind {
    /**
     * The record could not become a request: unreadable, no usable id, a field the template needs, an empty prompt,
     * an image that is missing, unreadable or too large.
     */
    BAD_RECORD("bad-record"),
    /** The server refused the request (4xx, or a 500 naming a mistake in the request): sending it again cannot help. */
    REJECTED("rejected"),
    /** Every attempt failed in a way worth retrying (a timeout, a broken answer, a server error), up to the last. */
    RETRIES_EXHAUSTED("retries-exhausted"),
    /** With a {@code format}: every answer, re-asks included, was not JSON, cut short or off the schema. */
    INVALID_OUTPUT("invalid-output");

    private final String text;

    FailureKind(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }
}

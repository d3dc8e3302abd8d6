package dev.promptbatch.job;

/**
 * {@code --retry-failed}: send again the records of a completed run that failed for a reason a retry can change.
 *
 * @param on              this run is a retry of failed records
 * @param includeRejected records the server rejected are sent again too
 */
public record RetryFailed(boolean on, boolean includeRejected) {
    public static final RetryFailed OFF = new RetryFailed(false, false);
}

package dev.promptbatch.spec;

import java.time.Duration;

/** The {@code retry} key: attempts per answer (the first included) and the exponential backoff bounds. */
public record RetrySpec(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
    public static final RetrySpec DEFAULT = new RetrySpec(6, Duration.ofSeconds(1), Duration.ofMinutes(2));
}

package dev.promptbatch.spec;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Duration values of the spec: {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}. */
public final class Durations {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");
    /** The longest duration a spec may set: longer ones are mistakes, and would overflow nanosecond arithmetic. */
    public static final Duration LONGEST = Duration.ofHours(24 * 365);
    /** An amount with more digits is longer than {@link #LONGEST} in any unit (10^12 ms is 31 years). */
    private static final int MOST_DIGITS = 12;

    private Durations() {
    }

    /**
     * Returns the duration, or null when the text is not a duration. An amount too large to compute comes back
     * longer than {@link #LONGEST}, for the caller to refuse.
     */
    public static Duration parseOrNull(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            return null;
        }
        long amount = m.group(1).length() > MOST_DIGITS ? 1_000_000_000_000L
                : Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
    }

    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) return ms / 3_600_000 + "h";
        if (ms % 60_000 == 0 && ms > 0) return ms / 60_000 + "m";
        if (ms % 1000 == 0) return ms / 1000 + "s";
        return ms + "ms";
    }
}

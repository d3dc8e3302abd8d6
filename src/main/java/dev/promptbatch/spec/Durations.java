package dev.promptbatch.spec;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as text: the spec's values ({@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}) read and written, and
 * durations shown to a person.
 */
public final class Durations {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");
    /** The longest duration a spec may set: longer ones are mistakes, and would overflow nanosecond arithmetic. */
    public static final Duration LONGEST = Duration.ofHours(24 * 365);
    /** An amount with more digits is longer than {@link #LONGEST} in any unit (10^12 ms is 31 years). */
    private static final int MOST_DIGITS = 12;

    private Durations() {}

    /**
     * Returns the duration, or null when the text is not a duration. An amount too large to compute comes back
     * longer than {@link #LONGEST}, for the caller to refuse.
     */
    public static Duration parseOrNull(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            return null;
        }
        long amount = m.group(1).length() > MOST_DIGITS ? 1_000_000_000_000L : Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
    }

    /** The duration as a spec writes it: {@code 1h}, {@code 10m}, {@code 30s}, {@code 500ms}. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) return ms / 3_600_000 + "h";
        if (ms % 60_000 == 0 && ms > 0) return ms / 60_000 + "m";
        if (ms % 1000 == 0) return ms / 1000 + "s";
        return ms + "ms";
    }

    /**
     * The duration as a person reads it, in messages and the report: {@code 850 ms}, {@code 12.4 s},
     * {@code 3 min 5 s}, {@code 1 h 2 min}.
     */
    public static String readable(Duration d) {
        long ms = Math.max(0, d.toMillis());
        if (ms < 1000) {
            return ms + " ms";
        }
        // Below 59.95 s one decimal; from there whole seconds, so that nothing reads "60.0 s".
        if (ms < 59_950) {
            return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
        }
        long s = Math.round(ms / 1000.0);
        if (s < 3600) {
            return s / 60 + " min " + s % 60 + " s";
        }
        return s / 3600 + " h " + s % 3600 / 60 + " min";
    }
}

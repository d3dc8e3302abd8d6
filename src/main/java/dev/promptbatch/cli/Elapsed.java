package dev.promptbatch.cli;

import java.time.Duration;
import java.util.Locale;

/** Elapsed time as a person reads it: 850 ms, 12.4 s, 3 min 05 s, 1 h 02 min. */
final class Elapsed {
    private Elapsed() {
    }

    static String format(Duration duration) {
        long ms = duration.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        if (ms < 60_000) {
            return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
        }
        long s = ms / 1000;
        if (s < 3600) {
            return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
    }
}

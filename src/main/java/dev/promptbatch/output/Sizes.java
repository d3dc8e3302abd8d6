package dev.promptbatch.output;

import java.util.Locale;

/** Sizes of files and memory as a person reads them, in the report and on the console. */
public final class Sizes {
    private Sizes() {}

    /** A size in bytes in the largest binary unit that keeps it at or above 1: {@code 812 bytes}, {@code 3.9 KiB}. */
    public static String readable(long bytes) {
        String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " bytes" : String.format(Locale.ROOT, "%,.1f", value) + " " + units[unit];
    }
}

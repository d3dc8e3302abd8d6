package dev.promptbatch.simulator;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/** The Go standard library formats that Ollama's answers and error messages are made of. */
final class GoFormats {

    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss");

    private static final Map<String, Long> DURATION_UNITS = Map.of(
            "ns", 1L,
            "us", 1_000L,
            "\u00b5s", 1_000L, // micro sign
            "\u03bcs", 1_000L, // Greek mu
            "ms", 1_000_000L,
            "s", 1_000_000_000L,
            "m", 60_000_000_000L,
            "h", 3_600_000_000_000L);

    private GoFormats() {}

    /** {@code time.Now().UTC()} formatted as Go's RFC3339Nano, as in {@code created_at}. */
    static String nowUtc() {
        return rfc3339Nano(OffsetDateTime.ofInstant(Instant.now(), ZoneOffset.UTC));
    }

    /** Go's RFC3339Nano: trailing zeros of the fraction trimmed, {@code Z} for UTC, else {@code +hh:mm}. */
    static String rfc3339Nano(OffsetDateTime time) {
        StringBuilder text = new StringBuilder(SECONDS.format(time));
        if (time.getNano() != 0) {
            String fraction = String.format("%09d", time.getNano()).replaceFirst("0+$", "");
            text.append('.').append(fraction);
        }
        return text.append(time.getOffset().getId()).toString();
    }

    /**
     * Go's {@code time.ParseDuration}: a signed sequence of decimal numbers with units, such as {@code 1h30m},
     * {@code 1.5s} or {@code -1m}; a bare {@code 0} is the only number allowed without a unit.
     *
     * @return nanoseconds
     * @throws IllegalArgumentException with Go's error text
     */
    static long parseDuration(String text) {
        String rest = text;
        boolean negative = false;
        if (!rest.isEmpty() && (rest.charAt(0) == '-' || rest.charAt(0) == '+')) {
            negative = rest.charAt(0) == '-';
            rest = rest.substring(1);
        }
        if (rest.equals("0")) {
            return 0;
        }
        if (rest.isEmpty()) {
            throw invalidDuration(text);
        }
        BigDecimal total = BigDecimal.ZERO;
        while (!rest.isEmpty()) {
            int numberEnd = 0;
            while (numberEnd < rest.length() && isNumberChar(rest.charAt(numberEnd))) {
                numberEnd++;
            }
            String number = rest.substring(0, numberEnd);
            if (number.isEmpty() || number.equals(".") || number.indexOf('.') != number.lastIndexOf('.')) {
                throw invalidDuration(text);
            }
            rest = rest.substring(numberEnd);
            int unitEnd = 0;
            while (unitEnd < rest.length() && !isNumberChar(rest.charAt(unitEnd))) {
                unitEnd++;
            }
            if (unitEnd == 0) {
                throw new IllegalArgumentException("time: missing unit in duration " + quote(text));
            }
            String unit = rest.substring(0, unitEnd);
            Long nanosPerUnit = DURATION_UNITS.get(unit);
            if (nanosPerUnit == null) {
                throw new IllegalArgumentException("time: unknown unit " + quote(unit) + " in duration " + quote(text));
            }
            rest = rest.substring(unitEnd);
            total = total.add(new BigDecimal(number).multiply(BigDecimal.valueOf(nanosPerUnit)));
        }
        if (total.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw invalidDuration(text);
        }
        long nanos = total.longValue(); // Go truncates fractions of a nanosecond too
        return negative ? -nanos : nanos;
    }

    private static boolean isNumberChar(char c) {
        return c == '.' || (c >= '0' && c <= '9');
    }

    private static IllegalArgumentException invalidDuration(String text) {
        return new IllegalArgumentException("time: invalid duration " + quote(text));
    }

    /** Go's {@code %q} / {@code strconv.Quote}: a double-quoted string with Go escapes. */
    static String quote(String text) {
        StringBuilder quoted = new StringBuilder(text.length() + 2).append('"');
        text.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\r' -> quoted.append("\\r");
                case '\t' -> quoted.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        quoted.append(String.format("\\x%02x", c));
                    } else {
                        quoted.appendCodePoint(c);
                    }
                }
            }
        });
        return quoted.append('"').toString();
    }
}

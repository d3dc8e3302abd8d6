package dev.promptbatch.report;

import java.util.Locale;

/** Escaping and number formatting for the report: every value taken from a run's files goes through here. */
final class Html {
    /** Shown where a value is unknown or does not apply. */
    static final String NONE = "&ndash;";

    private Html() {}

    /** Text made safe for an element's content or a quoted attribute value. */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** A number with thousands separators and the given decimals, the same whatever the machine's locale. */
    static String number(double value, int decimals) {
        return String.format(Locale.ROOT, "%,." + decimals + "f", value);
    }

    /** The start of a long hash, with the whole of it in a tooltip. */
    static String shortHash(String hash) {
        String hex = hash.startsWith("sha256:") ? hash.substring("sha256:".length()) : hash;
        String shown = hex.length() > 12 ? escape(hex.substring(0, 12)) + "&hellip;" : escape(hex);
        return "<code title=\"" + escape(hash) + "\">" + shown + "</code>";
    }
}

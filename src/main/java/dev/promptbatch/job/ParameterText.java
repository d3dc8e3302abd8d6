package dev.promptbatch.job;

import java.util.Map;
import java.util.StringJoiner;

/**
 * A run's {@code --param} values as messages and {@code status} show them, {@code NAME=VALUE} in order; the job
 * parameters PromptBatch adds ({@code promptbatch.*}) are left out.
 */
public final class ParameterText {
    private ParameterText() {}

    /** The user's parameters joined by the separator, or an empty string when there are none. */
    public static String of(Map<String, String> parameters, String separator) {
        StringJoiner text = new StringJoiner(separator);
        parameters.forEach((name, value) -> {
            if (!name.startsWith("promptbatch.")) {
                text.add(name + "=" + value);
            }
        });
        return text.toString();
    }

    /** What follows a job's name to tell its instance: {@code " (date=2026-11-21, lang=en)"}, or nothing. */
    public static String afterJobName(Map<String, String> parameters) {
        String text = of(parameters, ", ");
        return text.isEmpty() ? "" : " (" + text + ")";
    }
}

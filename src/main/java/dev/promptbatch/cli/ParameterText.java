package dev.promptbatch.cli;

import java.util.Map;
import java.util.StringJoiner;

/** A run's parameters as the user gave them, {@code NAME=VALUE} in order; PromptBatch's own are left out. */
final class ParameterText {
    private ParameterText() {
    }

    /** The user's parameters joined by the separator, or an empty string when there are none. */
    static String of(Map<String, String> parameters, String separator) {
        StringJoiner text = new StringJoiner(separator);
        parameters.forEach((name, value) -> {
            if (!name.startsWith("promptbatch.")) {
                text.add(name + "=" + value);
            }
        });
        return text.toString();
    }
}

package dev.promptbatch.spec;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import tools.jackson.databind.JsonNode;

/**
 * The option keys Ollama's server knows and the JSON types it accepts. Ollama silently ignores an unknown key and
 * answers a wrongly typed one with HTTP 500 for every request, so both are caught before anything is sent.
 */
final class OllamaOptions {
    private static final Set<String> INTEGERS = Set.of(
            "num_keep",
            "seed",
            "num_predict",
            "top_k",
            "repeat_last_n",
            "num_ctx",
            "num_batch",
            "num_gpu",
            "main_gpu",
            "num_thread",
            "draft_num_predict");
    private static final Set<String> NUMBERS = Set.of(
            "top_p", "min_p", "typical_p", "temperature", "repeat_penalty", "presence_penalty", "frequency_penalty");
    private static final Set<String> BOOLEANS = Set.of("use_mmap");
    private static final String STOP = "stop";
    private static final Set<String> KNOWN = new TreeSet<>(Stream.of(INTEGERS, NUMBERS, BOOLEANS, Set.of(STOP))
            .flatMap(Set::stream)
            .toList());

    /** Options that Ollama applies when it loads a model: a change between requests reloads it. */
    private static final List<String> LOAD_TIME =
            List.of("num_ctx", "num_batch", "num_thread", "num_gpu", "main_gpu", "use_mmap");

    private OllamaOptions() {}

    /** The first load-time option whose value differs between variants (merged over the options), if any. */
    static Optional<String> loadTimeDifference(Map<String, Object> options, List<Map<String, Object>> variants) {
        for (String key : LOAD_TIME) {
            Set<Object> values = new HashSet<>();
            for (Map<String, Object> variant : variants) {
                values.add(String.valueOf(variant.containsKey(key) ? variant.get(key) : options.get(key)));
            }
            if (values.size() > 1) {
                return Optional.of(key + " (the variants have "
                        + String.join(
                                ", ",
                                new TreeSet<>(
                                        values.stream().map(String::valueOf).toList())) + ")");
            }
        }
        return Optional.empty();
    }

    /** Returns what is wrong with this option, if anything, as the rest of a sentence after its key. */
    static Optional<String> check(String key, JsonNode value) {
        if (value.isNull()) {
            return Optional.empty();
        }
        if (key.equals("think")) {
            return Optional.of("expected a top-level key: Ollama ignores think inside options");
        }
        if (INTEGERS.contains(key)) {
            if (!value.isIntegralNumber()) {
                return Optional.of("expected a whole number");
            }
            if (!value.canConvertToLong()) {
                return Optional.of("expected a whole number from " + Long.MIN_VALUE + " to " + Long.MAX_VALUE);
            }
            if (key.equals("num_predict") && value.asLong() == 0) {
                return Optional.of(
                        "expected a positive number or -1: Ollama drops num_predict 0 and uses its own " + "default");
            }
            return Optional.empty();
        }
        if (NUMBERS.contains(key)) {
            return value.isNumber() ? Optional.empty() : Optional.of("expected a number");
        }
        if (BOOLEANS.contains(key)) {
            return value.isBoolean() ? Optional.empty() : Optional.of("expected true or false");
        }
        if (key.equals(STOP)) {
            boolean strings = value.isArray();
            for (JsonNode item : value) {
                strings &= item.isString();
            }
            return strings ? Optional.empty() : Optional.of("expected a list of strings, e.g. [\"\\n\\n\"]");
        }
        String hint = Suggestions.closest(key, KNOWN)
                .map(k -> " (did you mean '" + k + "'?)")
                .orElse("");
        return Optional.of("not an option Ollama knows" + hint + "; Ollama ignores unknown options silently. "
                + "It knows: " + String.join(", ", KNOWN));
    }
}

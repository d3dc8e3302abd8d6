package dev.promptbatch.output;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

import tools.jackson.databind.JsonNode;

/**
 * Two runs' answers side by side, matched by (id, model, seed, variant, repeat): which are identical, which differ
 * (in response or thinking text), and which only one run has.
 */
public final class OutputComparison {
    private static final int EXAMPLES = 10;

    private long identical;
    private long different;
    private final List<String> onlyInA = new ArrayList<>();
    private final List<String> onlyInB = new ArrayList<>();
    private final List<String> differences = new ArrayList<>();
    private long onlyInACount;
    private long onlyInBCount;

    private OutputComparison() {
    }

    public static OutputComparison of(Path a, Path b) throws IOException {
        Map<String, JsonNode> first = new LinkedHashMap<>();
        OutputRecords.forEach(a, record -> first.put(key(record), record));
        OutputComparison comparison = new OutputComparison();
        OutputRecords.forEach(b, record -> comparison.match(first.remove(key(record)), record));
        first.keySet().forEach(key -> {
            comparison.onlyInACount++;
            if (comparison.onlyInA.size() < EXAMPLES) {
                comparison.onlyInA.add(key);
            }
        });
        return comparison;
    }

    private void match(JsonNode a, JsonNode b) {
        if (a == null) {
            onlyInBCount++;
            if (onlyInB.size() < EXAMPLES) {
                onlyInB.add(key(b));
            }
            return;
        }
        String difference = difference(a, "response", b);
        if (difference == null) {
            difference = difference(a, "thinking", b);
        }
        if (difference == null) {
            identical++;
        } else {
            different++;
            if (differences.size() < EXAMPLES) {
                differences.add(key(a) + ": " + difference);
            }
        }
    }

    public boolean identical() {
        return different == 0 && onlyInACount == 0 && onlyInBCount == 0;
    }

    /** The counts, then examples of each kind of difference. */
    public String report() {
        StringBuilder out = new StringBuilder(String.format("identical: %d, different: %d, only in A: %d, only in "
                + "B: %d%n", identical, different, onlyInACount, onlyInBCount));
        differences.forEach(d -> out.append("  different  ").append(d).append('\n'));
        onlyInA.forEach(k -> out.append("  only in A  ").append(k).append('\n'));
        onlyInB.forEach(k -> out.append("  only in B  ").append(k).append('\n'));
        return out.toString();
    }

    /** Where two texts part, or null when they are the same. */
    private static String difference(JsonNode a, String field, JsonNode b) {
        String left = a.path(field).isNull() || a.path(field).isMissingNode() ? "" : a.path(field).asString();
        String right = b.path(field).isNull() || b.path(field).isMissingNode() ? "" : b.path(field).asString();
        if (left.equals(right)) {
            return null;
        }
        int at = 0;
        while (at < left.length() && at < right.length() && left.charAt(at) == right.charAt(at)) {
            at++;
        }
        return field + " differs from character " + (at + 1);
    }

    private static String key(JsonNode record) {
        StringJoiner key = new StringJoiner(" ");
        for (String field : List.of("id", "model", "seed", "variant", "repeat")) {
            JsonNode value = record.path(field);
            if (!value.isMissingNode() && !value.isNull()) {
                key.add(field + "=" + value.asString());
            }
        }
        return key.toString();
    }
}

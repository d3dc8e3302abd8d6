package dev.promptbatch.spec;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonPointer;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.ObjectMapper;

/**
 * The line of each key in a spec's YAML, by the name messages give it: {@code options.temperature},
 * {@code messages[2].role} (list items counted from 1). The tree a spec is read into keeps no positions, so the text
 * is walked once more for them.
 */
final class SpecLines {
    static final SpecLines NONE = new SpecLines(Map.of());

    private final Map<String, Integer> lines;

    private SpecLines(Map<String, Integer> lines) {
        this.lines = lines;
    }

    /** The keys of YAML text that {@code yaml} has already read as a tree without error. */
    static SpecLines of(ObjectMapper yaml, String text) {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser parser = yaml.createParser(text)) {
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                if (token == JsonToken.PROPERTY_NAME) {
                    lines.putIfAbsent(
                            name(parser.streamReadContext().pathAsPointer()),
                            parser.currentTokenLocation().getLineNr());
                }
            }
        }
        return new SpecLines(lines);
    }

    /** The line of the key with this name, when the spec has it. */
    OptionalInt line(String key) {
        Integer line = lines.get(key);
        return line == null ? OptionalInt.empty() : OptionalInt.of(line);
    }

    /** {@code /messages/1/role} as {@code messages[2].role}. */
    private static String name(JsonPointer pointer) {
        StringBuilder name = new StringBuilder();
        for (JsonPointer rest = pointer; !rest.matches(); rest = rest.tail()) {
            if (rest.mayMatchElement() && name.length() > 0) {
                name.append('[').append(rest.getMatchingIndex() + 1).append(']');
            } else {
                name.append(name.length() > 0 ? "." : "").append(rest.getMatchingProperty());
            }
        }
        return name.toString();
    }
}

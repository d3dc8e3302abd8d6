package dev.promptbatch.input;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** JSON Lines: one JSON object per line; blank lines are skipped but counted. */
final class JsonLinesRecordReader implements RecordReader {
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private final PhysicalLineReader lines;
    private long recordNumber;

    JsonLinesRecordReader(Path file, int maxRecordBytes) {
        try {
            this.lines = new PhysicalLineReader(file, maxRecordBytes);
        } catch (IOException e) {
            throw InputException.cannotOpen(file, e);
        }
    }

    @Override
    public InputRecord next() {
        PhysicalLineReader.Line line = lines.nextNonBlank();
        if (line == null) {
            return null;
        }
        long number = ++recordNumber;
        if (!line.readable()) {
            return new BadRecord(number, line.number(), line.problem());
        }
        JsonNode node;
        try {
            node = JSON.readTree(line.text());
        } catch (JacksonException e) {
            return new BadRecord(number, line.number(), "invalid JSON" + column(e) + ": " + problem(e));
        }
        if (node instanceof ObjectNode object) {
            return new DataRecord(number, line.number(), object);
        }
        return new BadRecord(number, line.number(), "not a JSON object: found " + describe(node));
    }

    private static String column(JacksonException e) {
        return e.getLocation() != null && e.getLocation().getColumnNr() > 0
                ? " at column " + e.getLocation().getColumnNr()
                : "";
    }

    /** Jackson's message without its description of where it read from, which says nothing to a user. */
    private static String problem(JacksonException e) {
        String message = e.getOriginalMessage();
        int where = message.indexOf(" (start marker at");
        return where > 0 ? message.substring(0, where) : message;
    }

    /** What kind of JSON value a node is, for a message that says what was expected instead. */
    static String describe(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> node.getNodeType().name().toLowerCase();
        };
    }

    @Override
    public List<String> columns() {
        return List.of();
    }

    @Override
    public void close() {
        lines.close();
    }
}

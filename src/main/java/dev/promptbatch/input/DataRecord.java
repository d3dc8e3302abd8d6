package dev.promptbatch.input;

import tools.jackson.databind.node.ObjectNode;

/** A record that was read: CSV columns as strings, or the JSON object of a line. */
public record DataRecord(long number, long line, ObjectNode fields) implements InputRecord {}

package dev.promptbatch.input;

/** A record that could not be read; it goes to the errors file and the others go on. */
public record BadRecord(long number, long line, String message) implements InputRecord {}

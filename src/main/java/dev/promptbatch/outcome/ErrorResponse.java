package dev.promptbatch.outcome;

/**
 * The server's answer to the last request of a record that failed, when that answer was an HTTP error: its status
 * and the message of its error body. An OpenAI Batch errors line carries it as OpenAI's {@code response}.
 */
public record ErrorResponse(int status, String message) {}

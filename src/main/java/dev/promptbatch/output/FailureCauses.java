package dev.promptbatch.output;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.promptbatch.outcome.FailureKind;
import dev.promptbatch.structured.AnswerCheck;

/** The most common cause in an errors file: what to say when every record of a run failed. */
public final class FailureCauses {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** A kind and message, and how many lines of the errors file have it. */
    public record Cause(String kind, String message, long count) {}

    private FailureCauses() {}

    /** The kind and message most lines share (the first seen on a tie), or empty when the file has none. */
    public static Optional<Cause> mostCommon(Path errors) {
        if (!Files.exists(errors)) {
            return Optional.empty();
        }
        Map<String, Long> counts = new HashMap<>();
        Cause most = null;
        try (BufferedReader in = Files.newBufferedReader(errors, StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                JsonNode failure;
                try {
                    failure = JSON.readTree(line);
                } catch (JacksonException cutShort) {
                    continue;
                }
                String kind = failure.path("kind").asString();
                String message = problem(kind, failure.path("message").asString());
                long count = counts.merge(kind + "\n" + message, 1L, Long::sum);
                if (most == null || count > most.count()) {
                    most = new Cause(kind, message, count);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Optional.ofNullable(most);
    }

    /** An {@code invalid-output} message without the answer, which differs from record to record. */
    private static String problem(String kind, String message) {
        int answer = message.indexOf(AnswerCheck.ANSWER_FOLLOWS);
        return kind.equals(FailureKind.INVALID_OUTPUT.text()) && answer >= 0 ? message.substring(0, answer) : message;
    }

    /** "all 5 records failed: 4 of them retries-exhausted: ...", from the run's errors file. */
    public static String allFailed(Path errors, long failed) {
        return "all " + failed + " records failed"
                + mostCommon(errors)
                        .map(cause -> ": "
                                + (cause.count() == failed ? "" : cause.count() + " of them ") + cause.kind() + ": "
                                + cause.message())
                        .orElse("");
    }
}

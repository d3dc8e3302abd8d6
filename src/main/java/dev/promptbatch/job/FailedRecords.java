package dev.promptbatch.job;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.promptbatch.generation.WorkUnit;
import dev.promptbatch.outcome.Cell;
import dev.promptbatch.outcome.FailureKind;

/**
 * The lines of an errors file, each with the work item it names (input line, model, variant, repeat), and which
 * of them a retry may change: {@code retries-exhausted} and {@code invalid-output}, {@code rejected} only when asked,
 * never {@code bad-record}.
 */
final class FailedRecords {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** One line of an errors file, as written, and the work item it names. */
    record Line(String text, String key, String kind) {}

    private final List<Line> lines;

    private FailedRecords(List<Line> lines) {
        this.lines = List.copyOf(lines);
    }

    /** @throws RunRefusedException naming the file and line of a line that is not an errors file's */
    static FailedRecords read(Path errors) {
        List<Line> lines = new ArrayList<>();
        List<String> texts;
        try {
            texts = Files.readAllLines(errors, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new RunRefusedException("--retry-failed: cannot read " + errors + ": " + e.getMessage(), e);
        }
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            if (text.isBlank()) {
                continue;
            }
            JsonNode failure;
            try {
                failure = JSON.readTree(text);
            } catch (JacksonException e) {
                failure = null;
            }
            if (failure == null
                    || !failure.path("line").isNumber()
                    || !failure.path("kind").isString()) {
                throw new RunRefusedException("--retry-failed: " + errors + ", line " + (i + 1)
                        + ": not a failure line of PromptBatch's errors file (a JSON object with a numeric "
                        + "\"line\" and a \"kind\")");
            }
            lines.add(new Line(
                    text,
                    key(
                            failure.path("line").asLong(),
                            text(failure.path("model")),
                            text(failure.path("variant")),
                            text(failure.path("repeat"))),
                    failure.path("kind").asString()));
        }
        return new FailedRecords(lines);
    }

    List<Line> lines() {
        return lines;
    }

    /** The work items a retry sends again. */
    Set<String> retryable(boolean includeRejected) {
        return lines.stream()
                .filter(line -> retryable(line.kind(), includeRejected))
                .map(Line::key)
                .collect(Collectors.toUnmodifiableSet());
    }

    static boolean retryable(String kind, boolean includeRejected) {
        return kind.equals(FailureKind.RETRIES_EXHAUSTED.text())
                || kind.equals(FailureKind.INVALID_OUTPUT.text())
                || (includeRejected && kind.equals(FailureKind.REJECTED.text()));
    }

    /**
     * The key of a generate job's unit, its one record in its cell, as its errors line names it. Not the seed: the
     * line says the seed sent, which is the options' seed, or another after a re-ask; so a job with a sweep of
     * several seeds is not retried ({@link RetryPolicy}).
     */
    static String key(WorkUnit unit) {
        Cell cell = unit.cell();
        return key(
                unit.records().get(0).line(),
                cell.model() == null ? "" : cell.model(),
                cell.variant() == null ? "" : cell.variant().toString(),
                cell.repeat() == null ? "" : cell.repeat().toString());
    }

    private static String key(long line, String model, String variant, String repeat) {
        return line + "\n" + model + "\n" + variant + "\n" + repeat;
    }

    private static String text(JsonNode value) {
        return value.isMissingNode() || value.isNull() ? "" : value.asString();
    }
}

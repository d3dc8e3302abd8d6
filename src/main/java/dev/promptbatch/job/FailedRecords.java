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

import dev.promptbatch.generation.WorkItem;
import dev.promptbatch.openaibatch.BatchOutput;
import dev.promptbatch.outcome.Cell;
import dev.promptbatch.outcome.FailureKind;
import dev.promptbatch.output.OutputRecords;

/**
 * The lines of an errors file, PromptBatch's own or OpenAI Batch's ({@code output-format: openai-batch}, read through
 * its {@value BatchOutput#EXTENSION} record), each with the work item it names (input line, model and pass), and which
 * of them a retry may change: {@code retries-exhausted} and {@code invalid-output}, {@code rejected} only when asked,
 * never {@code bad-record}.
 */
final class FailedRecords {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * A work item as an errors line names it: the record's input line, its model and its pass's sweep coordinates
     * (empty where the job has none), as text.
     */
    record Key(long line, String model, String variant, String seed, String repeat) {
        /** Whether the item is in {@code pass}; a pass without a model (an OpenAI Batch line names it) takes any. */
        boolean in(Cell pass) {
            return (pass.model() == null || model.equals(pass.model()))
                    && variant.equals(text(pass.variant()))
                    && seed.equals(text(pass.seed()))
                    && repeat.equals(text(pass.repeat()));
        }
    }

    /**
     * One line of an errors file, as written, and the work item it names.
     *
     * @param unplaced why the pass it failed in cannot be told, or null when it can: such a line is kept as it is, and
     *                 a retry that would send it is refused
     */
    record Line(String text, Key key, String kind, String unplaced) {}

    private final List<Line> lines;

    private FailedRecords(List<Line> lines) {
        this.lines = List.copyOf(lines);
    }

    /**
     * @param seeds the job's sweep of seeds, empty without one: an errors line's {@code seed} is then its pass's, the
     *              seed of the record's first request (a re-ask's later seeds are only in its message)
     * @throws RunRefusedException naming the file and line of a line that is not an errors file's, or of one whose
     *                             pass cannot be told
     */
    static FailedRecords read(Path errors, List<Long> seeds) {
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
                failure = BatchOutput.toNative(JSON.readTree(text));
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
            String seed = "";
            String unplaced = null;
            if (!seeds.isEmpty()) {
                JsonNode sent = failure.path("seed");
                if (sent.isIntegralNumber() && seeds.contains(sent.asLong())) {
                    seed = String.valueOf(sent.asLong());
                } else {
                    // Written before an OpenAI Batch embedding line's failure said its pass's seed.
                    unplaced = errors + ", line " + (i + 1) + ": its seed is "
                            + (sent.isMissingNode() || sent.isNull()
                                    ? "missing"
                                    : sent + ", not one of the sweep's " + seeds)
                            + ", so the pass it failed in cannot be told";
                }
            }
            lines.add(new Line(
                    text,
                    new Key(
                            failure.path("line").asLong(),
                            text(failure.path("model")),
                            text(failure.path("variant")),
                            seed,
                            text(failure.path("repeat"))),
                    failure.path("kind").asString(),
                    unplaced));
        }
        return new FailedRecords(lines);
    }

    List<Line> lines() {
        return lines;
    }

    /**
     * The work items a retry sends again.
     *
     * @throws RunRefusedException when one of them cannot be placed in its pass
     */
    Set<Key> retryable(boolean includeRejected) {
        List<Line> sent = lines.stream()
                .filter(line -> retryable(line.kind(), includeRejected))
                .toList();
        sent.stream().filter(line -> line.unplaced() != null).findFirst().ifPresent(line -> {
            throw new RunRefusedException(
                    "--retry-failed: " + line.unplaced() + ". Run again with --new-run to send " + "everything again.");
        });
        return sent.stream().map(Line::key).collect(Collectors.toUnmodifiableSet());
    }

    static boolean retryable(String kind, boolean includeRejected) {
        return kind.equals(FailureKind.RETRIES_EXHAUSTED.text())
                || kind.equals(FailureKind.INVALID_OUTPUT.text())
                || (includeRejected && kind.equals(FailureKind.REJECTED.text()));
    }

    /** The key of a work item (a record in its cell), as its errors line names it. */
    static Key key(WorkItem item) {
        Cell cell = item.cell();
        return new Key(
                item.record().line(),
                cell.model() == null ? "" : cell.model(),
                text(cell.variant()),
                text(cell.seed()),
                text(cell.repeat()));
    }

    /**
     * The key of the work item an output record answers (read back as PromptBatch's record): its pass's seed is the
     * seed that answered less its re-asks.
     */
    static Key keyOf(JsonNode answer, List<Long> seeds) {
        String seed = seeds.isEmpty() ? null : OutputRecords.passSeed(answer);
        return new Key(
                answer.path("line").asLong(),
                text(answer.path("model")),
                text(answer.path("variant")),
                seed == null ? "" : seed,
                text(answer.path("repeat")));
    }

    private static String text(Object value) {
        return value == null ? "" : value.toString();
    }

    private static String text(JsonNode value) {
        return value.isMissingNode() || value.isNull() ? "" : value.asString();
    }
}

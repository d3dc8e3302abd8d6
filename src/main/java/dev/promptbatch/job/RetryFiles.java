package dev.promptbatch.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import tools.jackson.databind.JsonNode;

import dev.promptbatch.output.OutputFiles;
import dev.promptbatch.output.OutputRecords;

/**
 * The files of a {@code --retry-failed} execution beside the output {@code NAME.jsonl}: {@code
 * NAME.errors.before-retry.jsonl}, the errors file as the retry found it, from which its work is read on every run of
 * it; and {@code NAME.errors.retry.jsonl}, where the retry writes the records that fail again, with the same
 * exactly-once commits as a run's errors file. At the retry's end the errors file is replaced, in one rename, by the
 * lines found minus those sent again, with the new failure line in place of each that failed again. Both are removed
 * when the retry completes.
 */
final class RetryFiles {
    private final OutputFiles files;
    private final List<Long> seeds;
    private final Path before;
    private final Path failedAgain;

    /** @param seeds the job's sweep of seeds, empty without one: how an errors line names its pass */
    RetryFiles(OutputFiles files, List<Long> seeds) {
        this.files = files;
        this.seeds = List.copyOf(seeds);
        String name = files.errors().getFileName().toString();
        String base = name.substring(0, name.length() - ".jsonl".length());
        this.before = files.errors().resolveSibling(base + ".before-retry.jsonl");
        this.failedAgain = files.errors().resolveSibling(base + ".retry.jsonl");
    }

    /** The files the retry step writes: answers appended to the output, failures to their own file. */
    OutputFiles stepFiles() {
        return new OutputFiles(files.output(), failedAgain, files.summary());
    }

    Path before() {
        return before;
    }

    /** The lines of the errors file as the retry found it. */
    FailedRecords found() {
        return FailedRecords.read(before, seeds);
    }

    /** The work item an output record answers, as the errors file would name it. */
    FailedRecords.Key keyOf(JsonNode answer) {
        return FailedRecords.keyOf(answer, seeds);
    }

    /** The lines of a file in the errors file's shape, such as the errors file itself. */
    FailedRecords read(Path errors) {
        return FailedRecords.read(errors, seeds);
    }

    /** Keeps the errors file as the retry finds it, made whole before it takes the name. */
    void keepErrorsAsFound() {
        try {
            Path temporary = temporaryBeside(before);
            Files.copy(files.errors(), temporary, StandardCopyOption.REPLACE_EXISTING);
            force(temporary);
            move(temporary, before);
        } catch (IOException e) {
            throw new RunRefusedException(
                    "--retry-failed: cannot copy " + files.errors() + " to " + before + ": " + e.getMessage(), e);
        }
    }

    /**
     * Replaces the errors file by the lines found, minus the records sent again, each that failed again by its new
     * line, in the order found; removes it when nothing is left. {@code answered} is the retry's answers, which with
     * the failures again must account for every record sent. The same on every call, since neither file it reads
     * changes any more: a run killed after the rename does it again to the same effect.
     */
    void replaceErrors(boolean includeRejected, long answered) throws IOException {
        FailedRecords found = found();
        Set<FailedRecords.Key> sent = found.retryable(includeRejected);
        Map<FailedRecords.Key, String> again = failedAgain();
        // Each record sent is answered or failed again; else a line would be dropped that no answer replaces.
        if (answered + again.size() != sent.size() || !sent.containsAll(again.keySet())) {
            throw new IllegalStateException("the retry sent " + sent.size() + " failed record(s) of " + before
                    + " but has " + answered + " answer(s) and " + again.size() + " failure(s) for them; "
                    + files.errors() + " is left as it was");
        }
        String errors = errorsAfter(found, sent, again, sent::contains);
        if (errors.isEmpty()) {
            Files.deleteIfExists(files.errors());
            return;
        }
        Path temporary = temporaryBeside(files.errors());
        Files.writeString(temporary, errors, StandardCharsets.UTF_8);
        force(temporary);
        move(temporary, files.errors());
    }

    /**
     * The errors file as a retry that did not complete leaves it standing, for its summary: the lines found, minus
     * those whose record the output answers now, each committed failure again in place of its line; in a temporary
     * file beside it, which the caller removes. The errors file itself changes only when the retry completes.
     */
    Path standingErrors(boolean includeRejected) throws IOException {
        FailedRecords found = found();
        Set<FailedRecords.Key> sent = found.retryable(includeRejected);
        Set<FailedRecords.Key> answered = new HashSet<>();
        if (Files.exists(files.output())) {
            OutputRecords.forEach(files.output(), answer -> {
                FailedRecords.Key key = keyOf(answer);
                if (sent.contains(key)) {
                    answered.add(key);
                }
            });
        }
        Path standing = before.resolveSibling(before.getFileName() + ".standing");
        Files.writeString(
                standing, errorsAfter(found, sent, failedAgain(), answered::contains), StandardCharsets.UTF_8);
        return standing;
    }

    /** The failures again committed so far, by the work item each names. */
    private Map<FailedRecords.Key, String> failedAgain() {
        Map<FailedRecords.Key, String> again = new HashMap<>();
        if (Files.exists(failedAgain)) {
            for (FailedRecords.Line line : read(failedAgain).lines()) {
                again.put(line.key(), line.text());
            }
        }
        return again;
    }

    /**
     * The lines found, in their order: those not sent as they are; a record sent that failed again by its new line,
     * one {@code answered} dropped, any other as it was.
     */
    private static String errorsAfter(
            FailedRecords found,
            Set<FailedRecords.Key> sent,
            Map<FailedRecords.Key, String> again,
            Predicate<FailedRecords.Key> answered) {
        StringBuilder errors = new StringBuilder();
        for (FailedRecords.Line line : found.lines()) {
            if (!sent.contains(line.key())) {
                errors.append(line.text()).append('\n');
            } else if (again.containsKey(line.key())) {
                errors.append(again.get(line.key())).append('\n');
            } else if (!answered.test(line.key())) {
                errors.append(line.text()).append('\n');
            }
        }
        return errors.toString();
    }

    /** After the retry completed: its own files are no longer needed. */
    void removeWorkFiles() {
        for (Path file : List.of(before, failedAgain)) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove " + file + ": " + e.getMessage(), e);
            }
        }
    }

    private static Path temporaryBeside(Path file) {
        return file.resolveSibling(file.getFileName() + ".tmp");
    }

    private static void force(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}

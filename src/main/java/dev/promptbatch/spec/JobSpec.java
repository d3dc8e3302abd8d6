package dev.promptbatch.spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A job spec with parameters substituted and every key checked.
 *
 * @param idField  the input field whose value identifies a record, or null for the record's number
 * @param system   the system template, or null
 * @param options  Ollama options, sent as given
 * @param format   null, "json" or a JSON Schema object (a Map)
 * @param think    null (not sent), a Boolean, or a level string
 * @param keepAlive null (not sent), a duration string with a unit, or a number of seconds
 * @param baseUrl  {@code server.base-url}, or null
 * @param maxOutage how long to wait out an unreachable server before the run fails
 * @param maxFailures the error budget
 * @param maxRecordBytes the longest input line (and CSV record) in bytes; a longer one is a bad record
 * @param seeds    sweep seeds (each overrides options.seed), or empty
 * @param variants sweep option sets, each merged over {@code options}, or empty
 * @param repeat   repetitions of every combination, or null when the spec does not sweep repeats
 * @param report   the HTML report to write at the end, or null
 */
public record JobSpec(
        Path specFile,
        String name,
        Path input,
        String idField,
        List<String> models,
        String system,
        String prompt,
        Map<String, Object> options,
        Object format,
        Object think,
        Object keepAlive,
        Path output,
        List<String> include,
        int concurrency,
        Duration timeout,
        RetrySpec retry,
        String baseUrl,
        Duration maxOutage,
        ErrorBudget maxFailures,
        int maxRecordBytes,
        List<Long> seeds,
        List<Map<String, Object>> variants,
        Integer repeat,
        Path report) {

    public static final int DEFAULT_CONCURRENCY = 4;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
    public static final Duration DEFAULT_MAX_OUTAGE = Duration.ofMinutes(10);

    public JobSpec withConcurrency(int newConcurrency) {
        return new JobSpec(specFile, name, input, idField, models, system, prompt, options, format, think,
                keepAlive, output, include, newConcurrency, timeout, retry, baseUrl, maxOutage, maxFailures,
                maxRecordBytes, seeds, variants, repeat, report);
    }
}

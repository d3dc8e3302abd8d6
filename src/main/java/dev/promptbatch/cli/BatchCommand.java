package dev.promptbatch.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import dev.promptbatch.job.RetryFailed;
import dev.promptbatch.progress.ProgressSettings;
import dev.promptbatch.progress.QuietLogging;
import dev.promptbatch.spec.JobSpec;
import dev.promptbatch.spec.SpecException;
import dev.promptbatch.spec.SpecLoader;

/**
 * {@code batch -i IN -o OUT}: runs an OpenAI Batch file without a spec. The job is made here as a spec with
 * {@code input-format} and {@code output-format openai-batch} would make it, and named {@value #JOB}; the input
 * and output paths and the model identify its instance, so the same command resumes it.
 */
@Command(
        name = "batch",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Runs an OpenAI Batch file (one {custom_id, method, url, body} request per line) and writes OpenAI's "
                    + "output lines, or resumes it where it stopped. No spec needed.",
            "Exit codes: 0 completed; 3 completed with failed requests (see the errors file); "
                    + "1 failed, run the same command again to resume; 2 nothing was run; "
                    + "130 / 143 stopped by SIGINT / SIGTERM, resumable."
        })
final class BatchCommand implements Callable<Integer> {
    /** The job name of every {@code batch} run; its parameters tell the runs apart. */
    static final String JOB = "batch";

    @Option(
            names = {"-i", "--input"},
            required = true,
            paramLabel = "REQUESTS.jsonl",
            description = "The OpenAI Batch input: one request per line.")
    Path input;

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "RESULTS.jsonl",
            description = "The output: one OpenAI Batch output line per answer, in input order; failures go to "
                    + "RESULTS.errors.jsonl.")
    Path output;

    @Option(
            names = "--model",
            paramLabel = "M",
            description = "The model for every line, in place of each body's model.")
    String model;

    @Mixin
    SharedOptions.BaseUrl baseUrl;

    @Option(
            names = "--concurrency",
            paramLabel = "N",
            description =
                    "Requests in flight at most on each server (default " + JobSpec.Limits.DEFAULT_CONCURRENCY + ").")
    Integer concurrency;

    @Mixin
    SharedOptions.Database database;

    @Option(names = "--new-run", description = "Start a new run even if this file was run before.")
    boolean newRun;

    @Mixin
    SharedOptions.Retry retry;

    @Mixin
    SharedOptions.Simulator simulator;

    @Mixin
    SharedOptions.Progress progress;

    @Mixin
    MetricsOptions metrics;

    @Mixin
    SharedOptions.Cache cache;

    private final CliEnvironment environment;

    BatchCommand(CliEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() {
        RetryFailed retryFailed = retry.choice(newRun);
        if (model != null && model.isBlank()) {
            throw new SpecException("--model: expected a model name such as llama3.2:3b, got an empty name");
        }
        if (concurrency != null && (concurrency < 1 || concurrency > 1024)) {
            throw new SpecException("--concurrency: expected a whole number from 1 to 1024, got " + concurrency);
        }
        if (!input.getFileName().toString().endsWith(".jsonl")) {
            throw new SpecException("--input: expected a .jsonl file of OpenAI Batch requests, got '" + input + "'");
        }
        if (!output.getFileName().toString().endsWith(".jsonl")) {
            throw new SpecException("--output: expected a .jsonl file, got '" + output + "'");
        }
        ObjectNode tree = JsonNodeFactory.instance.objectNode();
        tree.put("name", JOB);
        tree.put("input", input.toString());
        tree.put("input-format", "openai-batch");
        tree.put("output", output.toString());
        tree.put("output-format", "openai-batch");
        if (model != null) {
            tree.put("model", model.trim());
        }
        if (concurrency != null) {
            tree.put("concurrency", concurrency);
        }
        JobSpec spec;
        try {
            spec = cache.applyTo(
                    new SpecLoader(environment.workingDirectory())
                            .fromTree(Path.of("batch"), tree, environment.variables()),
                    environment);
        } catch (SpecException e) {
            // The spec's words for what the command calls --model.
            throw new SpecException(e.getMessage().replace("set model (or models)", "give --model M"));
        }
        ProgressSettings shown = progress.settings(environment);
        try (QuietLogging quiet = QuietLogging.when(shown.mode() == ProgressSettings.Mode.QUIET)) {
            return RunCommand.runJob(
                    environment,
                    spec,
                    identity(spec),
                    newRun,
                    retryFailed,
                    baseUrl,
                    database,
                    simulator,
                    shown,
                    metrics);
        }
    }

    /** What tells one batch run from another: the input and output files, and the model when one is given. */
    private Map<String, String> identity(JobSpec spec) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("input", spec.input().file().toAbsolutePath().normalize().toString());
        parameters.put(
                "output", spec.output().file().toAbsolutePath().normalize().toString());
        if (model != null) {
            parameters.put("model", model.trim());
        }
        return parameters;
    }
}

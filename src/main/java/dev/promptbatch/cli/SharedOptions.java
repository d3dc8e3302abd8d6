package dev.promptbatch.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Stack;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

import dev.promptbatch.job.JobDatabase;
import dev.promptbatch.job.RetryFailed;
import dev.promptbatch.ollama.ServerAddress;
import dev.promptbatch.progress.ProgressSettings;
import dev.promptbatch.spec.Durations;
import dev.promptbatch.spec.JobSpec;

/**
 * The options that several commands share, each declared once and mixed in with {@code @Mixin}. One mixin an option,
 * so that each command lists its options in the order that reads best for it.
 */
final class SharedOptions {
    private SharedOptions() {}

    /** {@code --param NAME=VALUE}, of run and validate. */
    static final class Param {
        @Option(
                names = "--param",
                paramLabel = "NAME=VALUE",
                description = "Sets $${NAME} in the spec's paths and templates; parameters identify the run.")
        Map<String, String> values = new LinkedHashMap<>();
    }

    /** {@code --strict-params}, of run and validate. */
    static final class StrictParams {
        @Option(names = "--strict-params", description = "Refuse a --param that no $${...} in the spec uses.")
        boolean on;
    }

    /** {@code --base-url URL}, of run and validate; once for each server. */
    static final class BaseUrl {
        @Option(
                names = "--base-url",
                paramLabel = "URL",
                description = "An Ollama server; repeat it for several (replaces the spec's servers and "
                        + "OLLAMA_BASE_URL / OLLAMA_HOST; default " + ServerAddress.DEFAULT + ").")
        List<String> urls = new ArrayList<>();
    }

    /**
     * {@code --retry-failed} with its {@code --include-rejected}, of run and batch: one mixin, since the second only
     * goes with the first.
     */
    static final class Retry {
        @Option(
                names = "--retry-failed",
                description = "Send again the failed records of the completed run (retries-exhausted, invalid-output); "
                        + "an answer moves a record from the errors file to the end of the output.")
        boolean failed;

        @Option(
                names = "--include-rejected",
                description = "With --retry-failed: also send again the records the server rejected.")
        boolean includeRejected;

        /** What was asked, with {@code --new-run} of the same command. */
        RetryFailed choice(boolean newRun) {
            if (includeRejected && !failed) {
                throw new CommandRefusedException("--include-rejected goes with --retry-failed");
            }
            if (failed && newRun) {
                throw new CommandRefusedException("--retry-failed retries the failed records of the last run; "
                        + "--new-run starts another: choose one");
            }
            return new RetryFailed(failed, includeRejected);
        }
    }

    /** {@code --simulator}, of run and validate. */
    static final class Simulator {
        @Option(names = "--simulator", description = "Run against the built-in Ollama simulator (synthetic answers).")
        boolean on;
    }

    /** {@code --db PATH|URL}, of run and status. */
    static final class Database {
        @Option(
                names = "--db",
                paramLabel = "PATH|URL",
                description = "The job database: a path (HSQLDB) or a jdbc:postgresql://HOST/DATABASE URL, with user "
                        + "and password from $PROMPTBATCH_DB_USER / $PROMPTBATCH_DB_PASSWORD (default: "
                        + "$PROMPTBATCH_DB, else .promptbatch/db).")
        String option;

        /** Where the job database is: {@code --db}, else {@code PROMPTBATCH_DB}, else {@code .promptbatch/db}. */
        JobDatabase resolve(CliEnvironment environment) {
            String fromEnvironment = environment.variables().get("PROMPTBATCH_DB");
            String value = option != null
                    ? option
                    : fromEnvironment != null && !fromEnvironment.isBlank() ? fromEnvironment : ".promptbatch/db";
            try {
                return JobDatabase.of(value, environment.workingDirectory(), environment.variables());
            } catch (IllegalArgumentException e) {
                throw new CommandRefusedException((option != null ? "--db: " : "PROMPTBATCH_DB: ") + e.getMessage());
            }
        }
    }

    /** {@code --progress-interval} and {@code --quiet}, of every command that runs a job. */
    static final class Progress {
        /** Shorter than this, the log would be mostly progress. */
        private static final Duration SHORTEST = Duration.ofMillis(100);

        @Option(
                names = "--progress-interval",
                paramLabel = "DURATION",
                description = "Without a terminal, a progress line in the log this often, e.g. 10s, 5m (default 30s).")
        String interval;

        @Option(names = "--quiet", description = "Print only warnings, errors and the result: no progress.")
        boolean quiet;

        ProgressSettings settings(CliEnvironment environment) {
            Duration every = ProgressSettings.DEFAULT_INTERVAL;
            if (interval != null) {
                every = Durations.parseOrNull(interval);
                if (every == null || every.compareTo(SHORTEST) < 0 || every.compareTo(Durations.LONGEST) > 0) {
                    throw new CommandRefusedException("--progress-interval: expected a duration from 100ms to "
                            + Durations.format(Durations.LONGEST) + " such as 10s or 5m, got '" + interval + "'");
                }
            }
            return ProgressSettings.decide(quiet, every, environment.variables().get("TERM"));
        }
    }

    /** {@code --cache [DIR]}, of run and batch. */
    static final class Cache {
        @Option(
                names = "--cache",
                arity = "0..1",
                paramLabel = "DIR",
                fallbackValue = JobSpec.Output.DEFAULT_CACHE,
                preprocessor = DirectoryAfterEqualsSign.class,
                description = "Answer deterministic requests (a seed, or temperature 0) asked before from the cache in "
                        + "DIR (default ${FALLBACK-VALUE}), and keep new answers there. A DIR is given after an "
                        + "equals sign, as in --cache=DIR.")
        String directory;

        /**
         * {@code --cache} takes its DIR only after an equals sign, so that {@code run --cache jobs/p.yaml} runs that
         * spec with the default cache rather than taking the spec for the directory and missing the spec.
         */
        static final class DirectoryAfterEqualsSign implements CommandLine.IParameterPreprocessor {
            @Override
            public boolean preprocess(
                    Stack<String> args, CommandSpec command, ArgSpec option, Map<String, Object> info) {
                if (!"=".equals(info.get("separator"))) {
                    option.setValue(JobSpec.Output.DEFAULT_CACHE);
                    return true;
                }
                return false;
            }
        }

        /** The job with the cache this option names, or as it is without the option. */
        JobSpec applyTo(JobSpec spec, CliEnvironment environment) {
            return directory == null
                    ? spec
                    : spec.withCache(
                            environment.workingDirectory().resolve(directory).normalize());
        }
    }
}

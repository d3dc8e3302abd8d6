package dev.promptbatch.cli;

import dev.promptbatch.generation.InputSurvey;
import dev.promptbatch.spec.JobSpec;

/**
 * Warnings about the input that do not stop a run: it is empty, some ids repeat, or OpenAI Batch lines have body
 * fields that an Ollama server is not sent.
 */
final class InputWarnings {
    private InputWarnings() {}

    /** Surveys the input and prints what {@code run} warns about before it starts. */
    static void beforeRun(CliEnvironment environment, JobSpec spec) {
        InputSurvey survey = InputSurvey.of(spec);
        if (survey.empty()) {
            empty(environment, spec);
        }
        survey.duplicates().ifPresent(text -> duplicates(environment, spec, text));
        if (survey.noImages()) {
            noImages(environment, spec);
        }
        survey.ignoredFields()
                .forEach(text -> environment
                        .err()
                        .println("promptbatch: warning: "
                                + environment.shown(spec.input().file()) + ": " + text));
    }

    /** A misspelt {@code images} field in JSON Lines names nothing, and would send no image without a word. */
    static void noImages(CliEnvironment environment, JobSpec spec) {
        environment
                .err()
                .println("promptbatch: warning: no record of "
                        + environment.shown(spec.input().file())
                        + " has a value in images " + spec.input().images().fields()
                        + ", so no image is sent (field names are case-sensitive)");
    }

    /** An empty input is not an error: a cron job's input may be empty some days. */
    static void empty(CliEnvironment environment, JobSpec spec) {
        environment
                .err()
                .println("promptbatch: warning: input "
                        + environment.shown(spec.input().file()) + " has no records");
    }

    static void duplicates(CliEnvironment environment, JobSpec spec, String text) {
        environment
                .err()
                .println("promptbatch: warning: "
                        + environment.shown(spec.input().file()) + ": " + text);
    }
}

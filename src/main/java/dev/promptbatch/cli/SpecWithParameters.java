package dev.promptbatch.cli;

import java.nio.file.Path;
import java.util.Map;

import dev.promptbatch.spec.JobSpec;
import dev.promptbatch.spec.SpecException;
import dev.promptbatch.spec.SpecLoader;

/**
 * Loads the spec of {@code run} and {@code validate} with their {@code --param} values. A parameter that no
 * {@code ${...}} uses still identifies the run, so a typo in a cron line would silently start a new run: it is
 * warned about, or refused with {@code --strict-params}.
 */
final class SpecWithParameters {
    private SpecWithParameters() {}

    static JobSpec load(
            CliEnvironment environment, Path specFile, Map<String, String> parameters, boolean strictParams) {
        SpecLoader.Loaded loaded = new SpecLoader(environment.workingDirectory())
                .loadNamingUnusedParameters(
                        environment.workingDirectory().resolve(specFile), parameters, environment.variables());
        for (String name : loaded.unusedParameters()) {
            if (strictParams) {
                throw new SpecException(
                        "--param " + name + ": " + specFile + " uses no ${" + name + "} " + "(--strict-params)");
            }
            environment
                    .err()
                    .println("promptbatch: warning: --param " + name + " is used by no ${" + name + "} in "
                            + specFile + "; it still identifies the run, so another value starts another run "
                            + "(--strict-params refuses it)");
        }
        return loaded.spec();
    }
}

package dev.promptbatch.cli;

import java.nio.file.Path;

/** Where the job database is: {@code --db}, else {@code PROMPTBATCH_DB}, else {@code .promptbatch/db}. */
final class DatabasePath {
    private DatabasePath() {
    }

    static Path resolve(Path option, CliEnvironment environment) {
        if (option != null) {
            return environment.workingDirectory().resolve(option);
        }
        String fromEnvironment = environment.variables().get("PROMPTBATCH_DB");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return environment.workingDirectory().resolve(fromEnvironment);
        }
        return environment.workingDirectory().resolve(".promptbatch/db");
    }
}

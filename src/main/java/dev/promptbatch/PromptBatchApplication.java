package dev.promptbatch;

import dev.promptbatch.cli.CliEnvironment;
import dev.promptbatch.cli.PromptBatchCli;

/** Entry point of {@code java -jar promptbatch.jar}. */
public final class PromptBatchApplication {
    private PromptBatchApplication() {
    }

    public static void main(String[] args) {
        CliEnvironment environment = CliEnvironment.system();
        int exitCode = PromptBatchCli.execute(environment, args);
        // Autoflush covers println and printf only: what was printed with print must not be lost at exit.
        environment.out().flush();
        environment.err().flush();
        System.exit(exitCode);
    }
}

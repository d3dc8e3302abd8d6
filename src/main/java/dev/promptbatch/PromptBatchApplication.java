package dev.promptbatch;

import dev.promptbatch.cli.CliEnvironment;
import dev.promptbatch.cli.PromptBatchCli;

/** Entry point of {@code java -jar promptbatch.jar}. */
public final class PromptBatchApplication {
    private PromptBatchApplication() {
    }

    public static void main(String[] args) {
        System.exit(PromptBatchCli.execute(CliEnvironment.system(), args));
    }
}

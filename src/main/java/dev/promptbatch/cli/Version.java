package dev.promptbatch.cli;

import dev.promptbatch.PromptBatchVersion;
import picocli.CommandLine;

/** {@code --version}. */
final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {"promptbatch " + PromptBatchVersion.current()};
    }
}

package dev.promptbatch.cli;

import picocli.CommandLine;

import dev.promptbatch.PromptBatchVersion;

/** {@code --version}. */
final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {"promptbatch " + PromptBatchVersion.current()};
    }
}

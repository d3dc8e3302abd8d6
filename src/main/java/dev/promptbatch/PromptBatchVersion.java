package dev.promptbatch;

/** PromptBatch's version, from the jar's manifest. */
public final class PromptBatchVersion {
    private PromptBatchVersion() {}

    public static String current() {
        String version = PromptBatchVersion.class.getPackage().getImplementationVersion();
        return version == null ? "development" : version;
    }
}

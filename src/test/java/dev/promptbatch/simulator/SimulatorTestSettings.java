package dev.promptbatch.simulator;

/** Simulator settings for tests. */
public final class SimulatorTestSettings {

    private SimulatorTestSettings() {}

    /** Like {@link SimulatorSettings#defaults()} but nothing takes time. */
    public static SimulatorSettings instant() {
        return SimulatorSettings.defaults()
                .withTokensPerSecond(0)
                .withPromptTokensPerSecond(0)
                .withLoadMillis(0);
    }
}

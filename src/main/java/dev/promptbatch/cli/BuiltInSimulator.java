package dev.promptbatch.cli;

import java.io.IOException;

import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorSettings;
import dev.promptbatch.spec.JobSpec;

/** The simulator that {@code --simulator} starts in this process: the spec's models, one slot per request. */
final class BuiltInSimulator {
    private BuiltInSimulator() {
    }

    static OllamaSimulator start(JobSpec spec) throws IOException {
        return OllamaSimulator.start(SimulatorSettings.defaults().withModels(spec.models())
                .withParallel(spec.concurrency()).withTokensPerSecond(400).withLoadMillis(500));
    }
}

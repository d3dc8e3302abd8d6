package dev.promptbatch.cli;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import dev.promptbatch.ollama.ServerAddress;
import dev.promptbatch.servers.ServerTarget;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorSettings;
import dev.promptbatch.spec.JobSpec;

/**
 * The server that run and validate talk to: with {@code --simulator}, the built-in simulator started in this process
 * (the spec's models, one slot per request) until close; else the address that {@code --base-url}, the spec or the
 * environment gives.
 */
final class ChosenServer implements AutoCloseable {
    private final OllamaSimulator simulator;
    private final ServerAddress address;
    private final int concurrency;

    private ChosenServer(OllamaSimulator simulator, ServerAddress address, int concurrency) {
        this.simulator = simulator;
        this.address = address;
        this.concurrency = concurrency;
    }

    static ChosenServer of(
            JobSpec spec,
            SharedOptions.BaseUrl baseUrl,
            SharedOptions.Simulator simulator,
            CliEnvironment environment) {
        if (!simulator.on) {
            return new ChosenServer(
                    null,
                    ServerAddress.resolve(baseUrl.url, spec.server().baseUrl(), environment.variables()),
                    spec.limits().concurrency());
        }
        OllamaSimulator started;
        try {
            started = OllamaSimulator.start(SimulatorSettings.defaults()
                    .withModels(spec.generation().models())
                    .withParallel(spec.limits().concurrency())
                    .withTokensPerSecond(400)
                    .withLoadMillis(500));
        } catch (IOException e) {
            throw new CommandRefusedException("cannot start the simulator: " + e.getMessage(), e);
        }
        return new ChosenServer(
                started,
                ServerAddress.resolve(started.baseUrl().toString(), null, Map.of()),
                spec.limits().concurrency());
    }

    ServerAddress address() {
        return address;
    }

    List<ServerTarget> targets() {
        return List.of(new ServerTarget(address, concurrency, false));
    }

    @Override
    public void close() {
        if (simulator != null) {
            simulator.close();
        }
    }
}

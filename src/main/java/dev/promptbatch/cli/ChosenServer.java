package dev.promptbatch.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.promptbatch.ollama.ServerAddress;
import dev.promptbatch.servers.ServerTarget;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorSettings;
import dev.promptbatch.spec.JobSpec;

/**
 * The servers that run and validate talk to, in order: each {@code --base-url}, else the spec's {@code servers}, else
 * the one address that the spec's {@code server.base-url} or the environment gives. With {@code --simulator}, one
 * built-in simulator for each of them, started in this process (the spec's models, one slot per request the server
 * may have in flight) until close.
 */
final class ChosenServer implements AutoCloseable {
    private final List<OllamaSimulator> simulators;
    private final List<ServerTarget> targets;

    private ChosenServer(List<OllamaSimulator> simulators, List<ServerTarget> targets) {
        this.simulators = simulators;
        this.targets = targets;
    }

    static ChosenServer of(
            JobSpec spec,
            SharedOptions.BaseUrl baseUrl,
            SharedOptions.Simulator simulator,
            CliEnvironment environment) {
        List<ServerTarget> chosen = chosen(spec, baseUrl, environment);
        if (!simulator.on) {
            return new ChosenServer(List.of(), chosen);
        }
        List<OllamaSimulator> started = new ArrayList<>();
        List<ServerTarget> simulated = new ArrayList<>();
        try {
            for (ServerTarget target : chosen) {
                OllamaSimulator each = OllamaSimulator.start(SimulatorSettings.defaults()
                        .withModels(spec.generation().models())
                        .withParallel(target.autoConcurrency() ? spec.limits().concurrency() : target.concurrency())
                        .withTokensPerSecond(400)
                        .withLoadMillis(500));
                started.add(each);
                simulated.add(new ServerTarget(
                        ServerAddress.resolve(each.baseUrl().toString(), null, Map.of()),
                        target.concurrency(),
                        target.autoConcurrency()));
            }
        } catch (IOException e) {
            started.forEach(OllamaSimulator::close);
            throw new CommandRefusedException("cannot start the simulator: " + e.getMessage(), e);
        }
        return new ChosenServer(List.copyOf(started), List.copyOf(simulated));
    }

    private static List<ServerTarget> chosen(JobSpec spec, SharedOptions.BaseUrl baseUrl, CliEnvironment environment) {
        JobSpec.Limits limits = spec.limits();
        if (baseUrl.urls.size() > 1) {
            List<ServerTarget> targets = new ArrayList<>();
            Map<String, String> given = new HashMap<>();
            for (String url : baseUrl.urls) {
                ServerAddress address = ServerAddress.resolve(url, null, Map.of());
                String first = given.putIfAbsent(address.identity(), address.display());
                if (first != null) {
                    throw new CommandRefusedException("--base-url: the server " + first + " is given twice"
                            + (first.equals(address.display()) ? "" : " (also as " + address.display() + ")")
                            + "; give each server once");
                }
                targets.add(target(address, null, false, limits));
            }
            return List.copyOf(targets);
        }
        if (baseUrl.urls.isEmpty() && !spec.server().servers().isEmpty()) {
            return spec.server().servers().stream()
                    .map(entry ->
                            target(ServerAddress.of(entry.url()), entry.concurrency(), entry.autoConcurrency(), limits))
                    .toList();
        }
        String option = baseUrl.urls.isEmpty() ? null : baseUrl.urls.get(0);
        return List.of(target(
                ServerAddress.resolve(option, spec.server().baseUrl(), environment.variables()), null, false, limits));
    }

    /** A server's own concurrency, else the job's; {@code auto} reaches at most {@link ServerTarget#AUTO_CEILING}. */
    private static ServerTarget target(
            ServerAddress address, Integer concurrency, boolean auto, JobSpec.Limits limits) {
        if (auto || (concurrency == null && limits.autoConcurrency())) {
            return new ServerTarget(address, ServerTarget.AUTO_CEILING, true);
        }
        return new ServerTarget(address, concurrency == null ? limits.concurrency() : concurrency, false);
    }

    List<ServerTarget> targets() {
        return targets;
    }

    @Override
    public void close() {
        simulators.forEach(OllamaSimulator::close);
    }
}

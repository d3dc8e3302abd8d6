package dev.promptbatch.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.promptbatch.ollama.ServerAddress;
import dev.promptbatch.openai.ApiKey;
import dev.promptbatch.openai.OpenAiOptions;
import dev.promptbatch.servers.ServerTarget;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.ServerQuirks;
import dev.promptbatch.simulator.SimulatorSettings;
import dev.promptbatch.spec.JobSpec;
import dev.promptbatch.spec.ServerApi;
import dev.promptbatch.spec.SpecException;

/**
 * The servers that run and validate talk to, in order: each {@code --base-url}, else the spec's {@code servers}, else
 * the one address that the spec's {@code server.base-url} or the environment gives. With {@code --simulator}, one
 * built-in simulator for each of them, started in this process (the spec's models, one slot per request the server
 * may have in flight) until close; an {@code api: openai} server's simulator takes the same key and adds llama.cpp's
 * {@code timings} to its answers, as llama-server does.
 *
 * <p>An {@code api: openai} server's key is read here, from the variable its {@code api-key-env} names, and the job
 * is checked for what such a server cannot be asked ({@link OpenAiOptions}): both refuse the run before anything
 * is sent. A single {@code --base-url} replaces the URL of {@code server:}, not its {@code api}.
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
        refuseWhatOpenAiCannotTake(spec, chosen);
        if (!simulator.on) {
            return new ChosenServer(List.of(), chosen);
        }
        List<OllamaSimulator> started = new ArrayList<>();
        List<ServerTarget> simulated = new ArrayList<>();
        try {
            for (ServerTarget target : chosen) {
                boolean openAi = target.api() == ServerApi.OPENAI;
                OllamaSimulator each = OllamaSimulator.start(SimulatorSettings.defaults()
                        .withModels(spec.generation().models())
                        .withParallel(target.autoConcurrency() ? spec.limits().concurrency() : target.concurrency())
                        .withTokensPerSecond(400)
                        .withLoadMillis(500)
                        .withApiKey(target.key() == null ? null : target.key().secret())
                        .withQuirks(ServerQuirks.none().withOpenAiTimings(openAi)));
                started.add(each);
                simulated.add(new ServerTarget(
                        ServerAddress.resolve(each.baseUrl().toString(), null, Map.of()),
                        target.concurrency(),
                        target.autoConcurrency(),
                        target.api(),
                        target.key()));
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
                targets.add(target(address, null, false, limits, ServerApi.OLLAMA, null));
            }
            return List.copyOf(targets);
        }
        if (baseUrl.urls.isEmpty() && !spec.server().servers().isEmpty()) {
            List<ServerTarget> targets = new ArrayList<>();
            List<JobSpec.ServerEntry> entries = spec.server().servers();
            for (int i = 0; i < entries.size(); i++) {
                JobSpec.ServerEntry entry = entries.get(i);
                targets.add(target(
                        ServerAddress.of(entry.url()),
                        entry.concurrency(),
                        entry.autoConcurrency(),
                        limits,
                        entry.api(),
                        key(spec, "servers[" + (i + 1) + "].api-key-env", entry.apiKeyEnv(), environment)));
            }
            return List.copyOf(targets);
        }
        String option = baseUrl.urls.isEmpty() ? null : baseUrl.urls.get(0);
        return List.of(target(
                ServerAddress.resolve(option, spec.server().baseUrl(), environment.variables()),
                null,
                false,
                limits,
                spec.server().api(),
                key(spec, "server.api-key-env", spec.server().apiKeyEnv(), environment)));
    }

    /** The token in the variable a server's {@code api-key-env} names; null without one; unset is a spec error. */
    private static ApiKey key(JobSpec spec, String where, String variable, CliEnvironment environment) {
        if (variable == null) {
            return null;
        }
        ApiKey key = ApiKey.fromEnvironment(variable, environment.variables());
        if (key == null) {
            throw new SpecException(spec.specFile() + ": " + where + ": the environment variable " + variable
                    + " is not set or empty; set it to the server's API key");
        }
        return key;
    }

    /** Whether the job asks for something an {@code api: openai} server cannot take: a spec error, before any request. */
    private static void refuseWhatOpenAiCannotTake(JobSpec spec, List<ServerTarget> targets) {
        List<String> openAi = targets.stream()
                .filter(target -> target.api() == ServerApi.OPENAI)
                .map(ServerTarget::display)
                .toList();
        List<String> problems = openAi.isEmpty() ? List.of() : OpenAiOptions.problems(spec);
        if (!problems.isEmpty()) {
            throw new SpecException(spec.specFile() + ": for the server" + (openAi.size() == 1 ? " at " : "s at ")
                    + String.join(", ", openAi) + " (api: openai): " + String.join("; ", problems) + ". "
                    + (problems.size() == 1 ? "Remove it" : "Remove them") + ", or send the job to an Ollama server.");
        }
    }

    /** A server's own concurrency, else the job's; {@code auto} reaches at most {@link ServerTarget#AUTO_CEILING}. */
    private static ServerTarget target(
            ServerAddress address,
            Integer concurrency,
            boolean auto,
            JobSpec.Limits limits,
            ServerApi api,
            ApiKey key) {
        if (auto || (concurrency == null && limits.autoConcurrency())) {
            return new ServerTarget(address, ServerTarget.AUTO_CEILING, true, api, key);
        }
        return new ServerTarget(address, concurrency == null ? limits.concurrency() : concurrency, false, api, key);
    }

    List<ServerTarget> targets() {
        return targets;
    }

    @Override
    public void close() {
        simulators.forEach(OllamaSimulator::close);
    }
}

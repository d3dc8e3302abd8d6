package dev.promptbatch.cli;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.ServerQuirks;
import dev.promptbatch.simulator.SimulatorSettings;

/** {@code simulate}: serves the built-in Ollama simulator until stopped. */
@Command(
        name = "simulate",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Serves an Ollama-compatible simulator on 127.0.0.1 until stopped (Ctrl-C).",
            "Answers are synthetic, deterministic for a seed or temperature 0."
        })
final class SimulateCommand implements Callable<Integer> {
    @Option(
            names = "--port",
            paramLabel = "N",
            description = "Port (default ${DEFAULT-VALUE}, Ollama's own; " + "0 picks a free one).")
    int port = 11434;

    @Option(names = "--parallel", paramLabel = "N", description = "Generation slots (default ${DEFAULT-VALUE}).")
    int parallel = SimulatorSettings.defaults().parallel();

    @Option(
            names = "--tokens-per-second",
            paramLabel = "X",
            description = "Generation speed per slot; 0 answers at once (default ${DEFAULT-VALUE}).")
    double tokensPerSecond = SimulatorSettings.defaults().tokensPerSecond();

    @Option(names = "--load-ms", paramLabel = "N", description = "Model load time (default ${DEFAULT-VALUE}).")
    long loadMillis = SimulatorSettings.defaults().loadMillis();

    @Option(
            names = "--median-tokens",
            paramLabel = "N",
            description = "Median answer length in tokens (default ${DEFAULT-VALUE}).")
    int medianTokens = SimulatorSettings.defaults().medianTokens();

    /** The first name of --median-tokens, kept so that scripts written for it still run. */
    @Option(names = "--mean-tokens", paramLabel = "N", hidden = true)
    void meanTokens(int tokens) {
        medianTokens = tokens;
    }

    @Option(
            names = "--length-sigma",
            paramLabel = "X",
            description = "Spread of answer lengths: sigma of a lognormal; 0 makes every answer the same length "
                    + "(default ${DEFAULT-VALUE}).")
    double lengthSigma = SimulatorSettings.defaults().lengthSigma();

    @Option(
            names = "--models",
            paramLabel = "a,b",
            split = ",",
            description = "Models the server has (default: ${DEFAULT-VALUE}).")
    List<String> models = SimulatorSettings.defaults().models();

    @Option(
            names = "--invalid-json-rate",
            paramLabel = "R",
            description = "Share of structured answers (format set) that are bad: broken JSON, cut short with "
                    + "done_reason \"length\", or not matching the schema; chosen per seed and prompt "
                    + "(default ${DEFAULT-VALUE}).")
    double invalidJsonRate = SimulatorSettings.defaults().invalidJsonRate();

    /** Which real server's behaviour to start from. */
    enum Like {
        ollama,
        koboldcpp
    }

    @Option(
            names = "--like",
            paramLabel = "SERVER",
            description = "Behave as this server does: ollama (default) "
                    + "or koboldcpp (closes connections, 6 queued at most, durations of 1 ns, name 'koboldcpp' in "
                    + "/api/tags, no /api/show). The options below change single behaviours.")
    Like like = Like.ollama;

    @Option(
            names = "--close-connections",
            negatable = true,
            paramLabel = "BOOL",
            description = "Close every connection after its response, without a Connection: close header.")
    Boolean closeConnections;

    @Option(
            names = "--max-queue",
            paramLabel = "N",
            description = "Requests that may wait for a slot; one more gets 503 \"server busy\" (default: no limit).")
    Integer maxQueue;

    @Option(
            names = "--durations-of-one-ns",
            negatable = true,
            paramLabel = "BOOL",
            description = "Report every duration as 1 ns.")
    Boolean durationsOfOneNs;

    @Option(
            names = "--tags-name",
            paramLabel = "NAME",
            description = "List every model in /api/tags with this name, the real one only in 'model'.")
    String tagsName;

    @Option(names = "--no-show", description = "Answer POST /api/show with 404.")
    boolean noShow;

    @Option(names = "--no-version", description = "Answer GET /api/version with 404.")
    boolean noVersion;

    @Option(
            names = "--unavailable-while-loading",
            description = "As llama-server: load the first model at start, and answer every /v1 route but /v1/models "
                    + "with 503 'Loading model' while a model loads.")
    boolean unavailableWhileLoading;

    @Option(
            names = "--openai-timings",
            description = "As llama-server: add a 'timings' object (prompt and generation times) to /v1/completions "
                    + "and /v1/chat/completions answers.")
    boolean openAiTimings;

    @Option(
            names = "--api-key",
            paramLabel = "KEY",
            description = "Answer every /v1 request but GET /v1/models without 'Authorization: Bearer KEY' with 401, "
                    + "as llama-server does.")
    String apiKey;

    private final CliEnvironment environment;

    SimulateCommand(CliEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() throws InterruptedException {
        SimulatorSettings settings = settings();
        OllamaSimulator simulator;
        try {
            simulator = OllamaSimulator.start(settings);
        } catch (IOException e) {
            throw new CommandRefusedException("cannot listen on port " + port + ": " + e.getMessage(), e);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            simulator.close();
            stopped.countDown();
        }));
        environment
                .out()
                .println("Ollama simulator on " + simulator.baseUrl() + " with " + String.join(", ", settings.models())
                        + "; " + settings.parallel() + " slots, " + settings.tokensPerSecond()
                        + " tokens/s" + (like == Like.ollama ? "" : ", behaving as " + like) + ". Stop with Ctrl-C.");
        stopped.await();
        return ExitCode.OK;
    }

    /** The settings the options ask for. */
    SimulatorSettings settings() {
        try {
            return SimulatorSettings.defaults()
                    .withPort(port)
                    .withParallel(parallel)
                    .withTokensPerSecond(tokensPerSecond)
                    .withLoadMillis(loadMillis)
                    .withModels(models)
                    .withMedianTokens(medianTokens)
                    .withLengthSigma(lengthSigma)
                    .withInvalidJsonRate(invalidJsonRate)
                    .withApiKey(apiKey)
                    .withQuirks(quirks());
        } catch (IllegalArgumentException e) {
            throw new CommandRefusedException(e.getMessage(), e);
        }
    }

    private ServerQuirks quirks() {
        ServerQuirks quirks = like == Like.koboldcpp ? ServerQuirks.koboldCpp() : ServerQuirks.none();
        if (closeConnections != null) {
            quirks = quirks.withClosesConnections(closeConnections);
        }
        if (maxQueue != null) {
            quirks = quirks.withMaxQueue(maxQueue);
        }
        if (durationsOfOneNs != null) {
            quirks = quirks.withDurationsOfOneNs(durationsOfOneNs);
        }
        if (tagsName != null) {
            quirks = quirks.withTagsName(tagsName);
        }
        return quirks.withNoShow(quirks.noShow() || noShow)
                .withNoVersion(quirks.noVersion() || noVersion)
                .withUnavailableWhileLoading(unavailableWhileLoading)
                .withOpenAiTimings(openAiTimings);
    }
}

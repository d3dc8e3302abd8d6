package dev.promptbatch.simulator;

import java.util.List;
import java.util.Objects;

/**
 * How the simulated Ollama server behaves: its address, scheduling, speed, models and answer lengths.
 *
 * @param port                  TCP port on 127.0.0.1; 0 picks a free port
 * @param parallel              generation slots per loaded model (Ollama's {@code OLLAMA_NUM_PARALLEL}), at least 1
 * @param tokensPerSecond       generation speed of one slot; 0 answers instantly without sleeping
 * @param promptTokensPerSecond prompt evaluation speed of one slot; 0 evaluates instantly
 * @param loadMillis            time to load a model that is not loaded
 * @param maxLoadedModels       models kept loaded at once; loading one more unloads the least recently used
 * @param models                the models "pulled" on this server, e.g. {@code llama3.2:3b}
 * @param medianTokens          median answer length in tokens, at least 1
 * @param lengthSigma           sigma of the lognormal answer length; 0 always answers {@code medianTokens} tokens
 * @param version               what {@code /api/version} reports
 * @param quirks                how it differs from Ollama, as other real servers do
 * @param invalidJsonRate       share of structured answers ({@code format} set) that are bad: broken JSON, cut
 *                              short, or not matching the schema; chosen per seed and prompt (see
 *                              {@link AnswerQuality})
 * @param apiKey                the key every {@code /v1} request but {@code GET /v1/models} must send as
 *                              {@code Authorization: Bearer KEY}, as llama-server started with a key requires; null
 *                              for none
 */
public record SimulatorSettings(
        int port,
        int parallel,
        double tokensPerSecond,
        double promptTokensPerSecond,
        long loadMillis,
        int maxLoadedModels,
        List<String> models,
        int medianTokens,
        double lengthSigma,
        String version,
        ServerQuirks quirks,
        double invalidJsonRate,
        String apiKey) {

    public SimulatorSettings {
        require(port >= 0 && port <= 65535, "port must be between 0 and 65535, got " + port);
        require(parallel >= 1, "parallel must be at least 1, got " + parallel);
        require(
                tokensPerSecond >= 0 && Double.isFinite(tokensPerSecond),
                "tokensPerSecond must be a finite number >= 0, got " + tokensPerSecond);
        require(
                promptTokensPerSecond >= 0 && Double.isFinite(promptTokensPerSecond),
                "promptTokensPerSecond must be a finite number >= 0, got " + promptTokensPerSecond);
        require(loadMillis >= 0, "loadMillis must be >= 0, got " + loadMillis);
        require(maxLoadedModels >= 1, "maxLoadedModels must be at least 1, got " + maxLoadedModels);
        Objects.requireNonNull(models, "models");
        models = List.copyOf(models);
        require(!models.isEmpty(), "models must name at least one model");
        require(models.stream().noneMatch(String::isBlank), "model names must not be blank");
        require(medianTokens >= 1, "medianTokens must be at least 1, got " + medianTokens);
        require(
                lengthSigma >= 0 && Double.isFinite(lengthSigma),
                "lengthSigma must be a finite number >= 0, got " + lengthSigma);
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(quirks, "quirks");
        require(
                invalidJsonRate >= 0 && invalidJsonRate <= 1,
                "invalidJsonRate must be between 0 and 1, got " + invalidJsonRate);
        require(apiKey == null || !apiKey.isBlank(), "apiKey must not be blank; null means none");
    }

    /** Realistic timing of a small GPU server: 4 slots, 200 tokens/s, 1.5 s model loads; three chat models and an
     * embedding model; no bad structured answers. */
    public static SimulatorSettings defaults() {
        return new SimulatorSettings(
                0,
                4,
                200,
                4000,
                1500,
                1,
                List.of("llama3.2:3b", "qwen2.5:7b", "gemma3:4b", "all-minilm"),
                60,
                0.5,
                "0.33.0",
                ServerQuirks.none(),
                0,
                null);
    }

    public SimulatorSettings withPort(int port) {
        return new SimulatorSettings(
                port,
                parallel,
                tokensPerSecond,
                promptTokensPerSecond,
                loadMillis,
                maxLoadedModels,
                models,
                medianTokens,
                lengthSigma,
                version,
                quirks,
                invalidJsonRate,
                apiKey);
    }

    public SimulatorSettings withParallel(int parallel) {
        return new SimulatorSettings(
                port,
                parallel,
                tokensPerSecond,
                promptTokensPerSecond,
                loadMillis,
                maxLoadedModels,
                models,
                medianTokens,
                lengthSigma,
                version,
                quirks,
                invalidJsonRate,
                apiKey);
    }

    public SimulatorSettings withTokensPerSecond(double tokensPerSecond) {
        return new SimulatorSettings(
                port,
                parallel,
                tokensPerSecond,
                promptTokensPerSecond,
                loadMillis,
                maxLoadedModels,
                models,
                medianTokens,
                lengthSigma,
                version,
                quirks,
                invalidJsonRate,
                apiKey);
    }

    public SimulatorSettings withPromptTokensPerSecond(double promptTokensPerSecond) {
        return new SimulatorSettings(
                port,
                parallel,
                tokensPerSecond,
                promptTokensPerSecond,
                loadMillis,
                maxLoadedModels,
                models,
                medianTokens,
                lengthSigma,
                version,
                quirks,
                invalidJsonRate,
                apiKey);
    }

    public SimulatorSettings withLoadMillis(long loadMillis) {
        return new SimulatorSettings(
                port,
                parallel,
                tokensPerSecond,
                promptTokensPerSecond,
                loadMillis,
                maxLoadedModels,
                models,
                medianTokens,
                lengthSigma,
                version,
                quirks,
                invalidJsonRate,
                apiKey);
    }

    public SimulatorSettings withMaxLoadedModels(int maxLoadedModels) {
        return new SimulatorSettings(
                port,
                parallel,
                tokensPerSecond,
                promptTokensPerSecond,
                loadMillis,
                maxLoadedModels,
                models,
                medianTokens,
                lengthSigma,
                version,
                quirks,
                invalidJsonRate,
                apiKey);
    }

    public SimulatorSettings withModels(List<String> models) {
        return new SimulatorSettings(
                port,
                parallel,
                tokensPerSecond,
                promptTokensPerSecond,
                loadMillis,
                maxLoadedModels,
                models,
                medianTokens,
                lengthSigma,
                version,
                quirks,
                invalidJsonRate,
                apiKey);
    }

    public SimulatorSettings withMedianTokens(int medianTokens) {
        return new SimulatorSettings(
                port,
                parallel,
                tokensPerSecond,
                promptTokensPerSecond,
                loadMillis,
                maxLoadedModels,
                models,
                medianTokens,
                lengthSigma,
                version,
                quirks,
                invalidJsonRate,
                apiKey);
    }

    public SimulatorSettings withLengthSigma(double lengthSigma) {
        return new SimulatorSettings(
                port,
                parallel,
                tokensPerSecond,
                promptTokensPerSecond,
                loadMillis,
                maxLoadedModels,
                models,
                medianTokens,
                lengthSigma,
                version,
                quirks,
                invalidJsonRate,
                apiKey);
    }

    public SimulatorSettings withVersion(String version) {
        return new SimulatorSettings(
                port,
                parallel,
                tokensPerSecond,
                promptTokensPerSecond,
                loadMillis,
                maxLoadedModels,
                models,
                medianTokens,
                lengthSigma,
                version,
                quirks,
                invalidJsonRate,
                apiKey);
    }

    public SimulatorSettings withQuirks(ServerQuirks quirks) {
        return new SimulatorSettings(
                port,
                parallel,
                tokensPerSecond,
                promptTokensPerSecond,
                loadMillis,
                maxLoadedModels,
                models,
                medianTokens,
                lengthSigma,
                version,
                quirks,
                invalidJsonRate,
                apiKey);
    }

    public SimulatorSettings withInvalidJsonRate(double invalidJsonRate) {
        return new SimulatorSettings(
                port,
                parallel,
                tokensPerSecond,
                promptTokensPerSecond,
                loadMillis,
                maxLoadedModels,
                models,
                medianTokens,
                lengthSigma,
                version,
                quirks,
                invalidJsonRate,
                apiKey);
    }

    public SimulatorSettings withApiKey(String apiKey) {
        return new SimulatorSettings(
                port,
                parallel,
                tokensPerSecond,
                promptTokensPerSecond,
                loadMillis,
                maxLoadedModels,
                models,
                medianTokens,
                lengthSigma,
                version,
                quirks,
                invalidJsonRate,
                apiKey);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}

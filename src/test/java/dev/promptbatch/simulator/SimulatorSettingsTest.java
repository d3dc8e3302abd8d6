package dev.promptbatch.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class SimulatorSettingsTest {

    @Test
    void defaultsAreASmallGpuServerBehavingAsOllama() {
        assertThat(SimulatorSettings.defaults())
                .isEqualTo(new SimulatorSettings(
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
                        null));
    }

    @Test
    void copyMethodsChangeOneComponent() {
        SimulatorSettings changed = SimulatorSettings.defaults()
                .withPort(8080)
                .withParallel(2)
                .withMaxLoadedModels(3)
                .withMedianTokens(5)
                .withLengthSigma(0)
                .withVersion("0.1.0")
                .withInvalidJsonRate(0.2)
                .withApiKey("sk-test");

        assertThat(changed)
                .isEqualTo(new SimulatorSettings(
                        8080,
                        2,
                        200,
                        4000,
                        1500,
                        3,
                        List.of("llama3.2:3b", "qwen2.5:7b", "gemma3:4b", "all-minilm"),
                        5,
                        0,
                        "0.1.0",
                        ServerQuirks.none(),
                        0.2,
                        "sk-test"));
    }

    @Test
    void modelsAreCopied() {
        List<String> models = new ArrayList<>(List.of("a:1b"));
        SimulatorSettings settings = SimulatorSettings.defaults().withModels(models);
        models.add("b:1b");

        assertThat(settings.models()).containsExactly("a:1b");
    }

    @Test
    void rejectsImpossibleValues() {
        SimulatorSettings settings = SimulatorSettings.defaults();

        assertThatThrownBy(() -> settings.withParallel(0)).hasMessageContaining("parallel");
        assertThatThrownBy(() -> settings.withTokensPerSecond(-1)).hasMessageContaining("tokensPerSecond");
        assertThatThrownBy(() -> settings.withModels(List.of())).hasMessageContaining("models");
        assertThatThrownBy(() -> settings.withMaxLoadedModels(0)).hasMessageContaining("maxLoadedModels");
        assertThatThrownBy(() -> settings.withPort(70000)).hasMessageContaining("port");
        assertThatThrownBy(() -> settings.withMedianTokens(0)).hasMessageContaining("medianTokens");
        assertThatThrownBy(() -> settings.withInvalidJsonRate(1.5)).hasMessageContaining("invalidJsonRate");
    }
}

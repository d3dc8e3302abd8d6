package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

import dev.promptbatch.simulator.SimulatorSettings;

/** How {@code simulate}'s options become the simulator's settings. */
class SimulateCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void medianTokensSetsTheMedianAnswerLength() {
        assertThat(settings("--median-tokens", "7").medianTokens()).isEqualTo(7);
    }

    @Test
    void theOldNameMeanTokensStillSetsTheMedian() {
        assertThat(settings("--mean-tokens", "7").medianTokens()).isEqualTo(7);
    }

    @Test
    void withoutLengthOptionsTheDefaultMedianApplies() {
        assertThat(settings().medianTokens())
                .isEqualTo(SimulatorSettings.defaults().medianTokens());
    }

    @Test
    void invalidJsonRateSetsTheShareOfBadStructuredAnswers() {
        assertThat(settings("--invalid-json-rate", "0.2").invalidJsonRate()).isEqualTo(0.2);
        assertThat(settings().invalidJsonRate()).isZero();
    }

    @Test
    void apiKeyIsTheKeyTheV1RoutesRequire() {
        assertThat(settings("--api-key", "sk-local").apiKey()).isEqualTo("sk-local");
        assertThat(settings().apiKey()).isNull();
    }

    @Test
    void unavailableWhileLoadingIsLlamaServersLoadingQuirk() {
        assertThat(settings("--unavailable-while-loading").quirks().unavailableWhileLoading())
                .isTrue();
        assertThat(settings().quirks().unavailableWhileLoading()).isFalse();
    }

    @Test
    void anInvalidJsonRateAboveOneIsRefusedInOneLine() {
        int exit = PromptBatchCli.execute(environment(), "simulate", "--port", "0", "--invalid-json-rate", "1.5");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString())
                .isEqualTo("promptbatch simulate: invalidJsonRate must be between 0 and 1, got 1.5"
                        + System.lineSeparator());
    }

    @Test
    void helpNamesTheMedianAndHidesTheOldName() {
        String help = new CommandLine(command()).getUsageMessage();

        assertThat(help)
                .contains("--median-tokens=N", "Median answer length in tokens (default 60).")
                .doesNotContain("--mean-tokens");
    }

    @Test
    void anImpossibleMedianIsRefusedInOneLine() {
        int exit = PromptBatchCli.execute(environment(), "simulate", "--port", "0", "--mean-tokens", "0");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString())
                .isEqualTo("promptbatch simulate: medianTokens must be at least 1, got 0" + System.lineSeparator());
        assertThat(out.toString()).isEmpty();
    }

    private SimulatorSettings settings(String... arguments) {
        SimulateCommand command = command();
        new CommandLine(command).parseArgs(arguments);
        return command.settings();
    }

    private SimulateCommand command() {
        return new SimulateCommand(environment());
    }

    private CliEnvironment environment() {
        return new CliEnvironment(Map.of(), Path.of("."), new PrintWriter(out, true), new PrintWriter(err, true));
    }
}

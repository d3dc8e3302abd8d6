package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The top command: every command is offered whenever the command line names none of them. */
class PromptBatchCliTest {
    private static final List<String> COMMANDS =
            List.of("run", "batch", "validate", "status", "diff", "report", "cache", "simulate", "help");

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final CliEnvironment environment =
            new CliEnvironment(Map.of(), Path.of("/tmp"), new PrintWriter(out, true), new PrintWriter(err, true));

    private static List<String> listedCommands(String usage) {
        return usage.lines()
                .dropWhile(line -> !line.equals("Commands:"))
                .skip(1)
                .filter(line -> line.startsWith("  ") && !line.startsWith("    "))
                .map(line -> line.strip().split(" ")[0])
                .toList();
    }

    @Test
    void helpListsEveryCommand() {
        assertThat(PromptBatchCli.execute(environment, "--help")).isZero();
        assertThat(listedCommands(out.toString())).isEqualTo(COMMANDS);
    }

    @Test
    void noCommandIsAUsageErrorListingEveryCommand() {
        assertThat(PromptBatchCli.execute(environment)).isEqualTo(ExitCode.NOTHING_RUN);
        assertThat(err.toString()).startsWith("promptbatch: a command is needed");
        assertThat(listedCommands(err.toString())).isEqualTo(COMMANDS);
    }

    @Test
    void aMistypedCommandIsAUsageErrorListingEveryCommand() {
        assertThat(PromptBatchCli.execute(environment, "rnu", "job.yaml")).isEqualTo(ExitCode.NOTHING_RUN);
        assertThat(err.toString()).startsWith("Unmatched arguments from index 0: 'rnu', 'job.yaml'");
        assertThat(listedCommands(err.toString())).isEqualTo(COMMANDS);
    }

    @Test
    void helpForACommandIsThatCommandsUsage() {
        assertThat(PromptBatchCli.execute(environment, "help", "status")).isZero();
        assertThat(out.toString()).startsWith("Usage: promptbatch status ");
    }
}

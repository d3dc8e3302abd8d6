package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The options that several commands share: where they appear in each command's help, and what they resolve to. */
class SharedOptionsTest {
    private static final Path HOME = Path.of("/home/user/jobs");

    private static CliEnvironment environment(Map<String, String> variables, StringWriter out) {
        return new CliEnvironment(variables, HOME, new PrintWriter(out, true), new PrintWriter(new StringWriter()));
    }

    private static List<String> optionsInHelp(String command) {
        StringWriter out = new StringWriter();
        assertThat(PromptBatchCli.execute(environment(Map.of(), out), command, "--help"))
                .isZero();
        return out.toString()
                .lines()
                .map(String::strip)
                .filter(line -> line.startsWith("--"))
                .map(line -> line.split("[ =]")[0])
                .toList();
    }

    @Test
    void eachCommandListsItsOptionsInItsOwnOrder() {
        assertThat(optionsInHelp("run"))
                .containsExactly(
                        "--param",
                        "--base-url",
                        "--concurrency",
                        "--db",
                        "--new-run",
                        "--simulator",
                        "--strict-params");
        assertThat(optionsInHelp("validate"))
                .containsExactly("--param", "--base-url", "--max-listed", "--simulator", "--strict-params");
        assertThat(optionsInHelp("status")).containsExactly("--db", "--limit");
    }

    @Test
    void theDatabaseIsTheOptionThenTheEnvironmentThenTheDefault() {
        SharedOptions.Database database = new SharedOptions.Database();
        CliEnvironment withVariable =
                environment(Map.of("PROMPTBATCH_DB", "/var/lib/promptbatch/db"), new StringWriter());

        assertThat(database.resolve(environment(Map.of(), new StringWriter())))
                .isEqualTo(HOME.resolve(".promptbatch/db"));
        assertThat(database.resolve(environment(Map.of("PROMPTBATCH_DB", " "), new StringWriter())))
                .isEqualTo(HOME.resolve(".promptbatch/db"));
        assertThat(database.resolve(withVariable)).isEqualTo(Path.of("/var/lib/promptbatch/db"));

        database.option = Path.of("state/db");
        assertThat(database.resolve(withVariable)).isEqualTo(HOME.resolve("state/db"));
    }
}

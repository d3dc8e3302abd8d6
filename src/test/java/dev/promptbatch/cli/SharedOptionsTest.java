package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

import dev.promptbatch.job.JobDatabase;
import dev.promptbatch.progress.ProgressSettings;

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
                .map(line -> line.split("[ =\\[]")[0])
                .toList();
    }

    @Test
    void cacheTakesADirectoryOnlyAfterAnEqualsSign() {
        RunCommand before = new RunCommand(environment(Map.of(), new StringWriter()));
        new CommandLine(before).parseArgs("--cache", "jobs/p.yaml");
        assertThat(before.specFile).isEqualTo(Path.of("jobs/p.yaml"));
        assertThat(before.cache.directory).isEqualTo(".promptbatch/cache");

        RunCommand given = new RunCommand(environment(Map.of(), new StringWriter()));
        new CommandLine(given).parseArgs("jobs/p.yaml", "--cache=shared/cache");
        assertThat(given.cache.directory).isEqualTo("shared/cache");

        RunCommand without = new RunCommand(environment(Map.of(), new StringWriter()));
        new CommandLine(without).parseArgs("jobs/p.yaml");
        assertThat(without.cache.directory).isNull();
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
                        "--retry-failed",
                        "--include-rejected",
                        "--simulator",
                        "--strict-params",
                        "--progress-interval",
                        "--quiet",
                        "--metrics-file",
                        "--pushgateway",
                        "--cache");
        assertThat(optionsInHelp("batch"))
                .containsExactly(
                        "--model",
                        "--base-url",
                        "--concurrency",
                        "--db",
                        "--new-run",
                        "--retry-failed",
                        "--include-rejected",
                        "--simulator",
                        "--progress-interval",
                        "--quiet",
                        "--metrics-file",
                        "--pushgateway",
                        "--cache");
        assertThat(optionsInHelp("validate"))
                .containsExactly(
                        "--param", "--base-url", "--max-listed", "--no-estimate", "--simulator", "--strict-params");
        assertThat(optionsInHelp("status")).containsExactly("--db", "--limit");
    }

    @Test
    void theDatabaseIsTheOptionThenTheEnvironmentThenTheDefault() {
        SharedOptions.Database database = new SharedOptions.Database();
        CliEnvironment withVariable =
                environment(Map.of("PROMPTBATCH_DB", "/var/lib/promptbatch/db"), new StringWriter());

        assertThat(database.resolve(environment(Map.of(), new StringWriter())))
                .isEqualTo(JobDatabase.file(HOME.resolve(".promptbatch/db")));
        assertThat(database.resolve(environment(Map.of("PROMPTBATCH_DB", " "), new StringWriter())))
                .isEqualTo(JobDatabase.file(HOME.resolve(".promptbatch/db")));
        assertThat(database.resolve(withVariable)).isEqualTo(JobDatabase.file(Path.of("/var/lib/promptbatch/db")));

        database.option = "state/db";
        assertThat(database.resolve(withVariable)).isEqualTo(JobDatabase.file(HOME.resolve("state/db")));
    }

    @Test
    void aPostgresUrlTakesItsUserAndPasswordFromTheEnvironment() {
        SharedOptions.Database database = new SharedOptions.Database();
        database.option = "jdbc:postgresql://db.internal:5432/promptbatch";
        CliEnvironment environment = environment(
                Map.of("PROMPTBATCH_DB_USER", "batch", "PROMPTBATCH_DB_PASSWORD", "s3cret"), new StringWriter());

        assertThat(database.resolve(environment))
                .isEqualTo(new JobDatabase(null, "jdbc:postgresql://db.internal:5432/promptbatch", "batch", "s3cret"));
    }

    @Test
    void aJdbcUrlOfAnotherDatabaseIsRefusedNamingTheOption() {
        SharedOptions.Database database = new SharedOptions.Database();
        database.option = "jdbc:mysql://db.internal/promptbatch?password=s3cret";

        assertThatThrownBy(() -> database.resolve(environment(Map.of(), new StringWriter())))
                .isInstanceOf(CommandRefusedException.class)
                .hasMessage("--db: a job database is a path (HSQLDB) or a jdbc:postgresql://HOST/DATABASE URL; "
                        + "jdbc:mysql://db.internal/promptbatch?password=*** is neither");
    }

    @Test
    void withoutATerminalProgressIsALogLineEveryThirtySecondsOrTheIntervalGiven() {
        SharedOptions.Progress progress = new SharedOptions.Progress();
        CliEnvironment environment = environment(Map.of("TERM", "xterm-256color"), new StringWriter());

        assertThat(progress.settings(environment)).isEqualTo(ProgressSettings.LOG_EVERY_30_SECONDS);
        progress.interval = "5m";
        assertThat(progress.settings(environment))
                .isEqualTo(new ProgressSettings(ProgressSettings.Mode.LOG, Duration.ofMinutes(5)));
        progress.quiet = true;
        assertThat(progress.settings(environment).mode()).isEqualTo(ProgressSettings.Mode.QUIET);
    }

    @Test
    void aProgressIntervalThatIsNoDurationOrTooShortIsRefused() {
        for (String interval : List.of("30", "0s", "50ms", "soon", "9000h")) {
            StringWriter err = new StringWriter();
            CliEnvironment environment =
                    new CliEnvironment(Map.of(), HOME, new PrintWriter(new StringWriter()), new PrintWriter(err, true));

            assertThat(PromptBatchCli.execute(environment, "run", "job.yaml", "--progress-interval", interval))
                    .isEqualTo(ExitCode.NOTHING_RUN);
            assertThat(err.toString())
                    .isEqualTo("promptbatch: --progress-interval: expected a duration from 100ms to 8760h such as 10s"
                            + " or 5m, got '" + interval + "'\n");
        }
    }
}

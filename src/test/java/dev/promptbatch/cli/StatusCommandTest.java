package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.promptbatch.simulator.SimulatorTestSettings;

/** {@code status} on a job database with a few executions. */
class StatusCommandTest {
    @RegisterExtension
    final SimulatorExtension simulated =
            SimulatorExtension.startedWith(SimulatorTestSettings.instant().withModels(List.of("llama3.2:3b")));

    @TempDir
    Path dir;

    private JobFixture job;

    @BeforeEach
    void setUp() {
        job.write("input/a.csv", "text\nhello\nworld\n");
        job.write(
                "jobs/a.yaml",
                "name: a\ninput: input/a.csv\nmodel: llama3.2:3b\nprompt: \"{{text}}\"\n" + "output: output/a.jsonl\n");
        assertThat(job.run("run", "jobs/a.yaml")).isZero();
        assertThat(job.run("run", "jobs/a.yaml", "--new-run")).isZero();
    }

    @Test
    void limitIsAtLeastOne() {
        String db = dir.resolve("state/db").toString();

        for (String limit : List.of("-1", "0")) {
            assertThat(job.runAsIs("status", "--db", db, "--limit", limit)).isEqualTo(2);
            assertThat(job.err)
                    .isEqualTo("promptbatch: --limit: expected a whole number of at least 1, got " + limit
                            + System.lineSeparator());
            assertThat(job.out).isEmpty();
        }

        assertThat(job.runAsIs("status", "--db", db, "--limit", "1")).isZero();
        assertThat(job.out.lines().filter(line -> line.contains(" COMPLETED "))).hasSize(1);
        assertThat(job.runAsIs("status", "--db", db)).isZero();
        assertThat(job.out.lines().filter(line -> line.contains(" COMPLETED "))).hasSize(2);
    }
}

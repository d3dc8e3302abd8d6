package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.promptbatch.simulator.Fault;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/** What a new user meets first: the messages must say what to do. */
class NewcomerFrictionTest {
    @RegisterExtension
    final SimulatorExtension simulated =
            SimulatorExtension.startedWith(SimulatorTestSettings.instant().withModels(List.of("llama3.2:3b")));

    @TempDir
    Path dir;

    private OllamaSimulator simulator;
    private JobFixture job;

    @BeforeEach
    void writeInput() {
        job.write("input/fruit.csv", "fruit\napple\npear\n");
    }

    @Test
    void validateRunsAgainstTheBuiltInSimulatorAsRunDoes() {
        job.write(
                "jobs/f.yaml",
                "name: f\ninput: input/fruit.csv\nmodel: qwen2.5:7b\nprompt: \"Name {{fruit}}\"\n"
                        + "output: output/f.jsonl\n");

        assertThat(job.runAsIs("validate", "jobs/f.yaml", "--simulator")).isZero();
        assertThat(job.out)
                .contains("First prompt (record 1, line 2):\n  prompt: Name apple")
                .contains(": Ollama 0.33.0, 1 model (the built-in simulator: answers are synthetic)")
                .endsWith("Ready to run.\n");
    }

    @Test
    void anUnquotedTemplateIsRecognisedAndTheMessageSaysToQuoteIt() {
        Path spec = job.write(
                "jobs/u.yaml",
                "name: u\ninput: input/fruit.csv\nmodel: llama3.2:3b\n"
                        + "prompt: {{fruit}} in one word\noutput: output/u.jsonl\n");

        assertThat(job.run("run", "jobs/u.yaml")).isEqualTo(2);
        assertThat(job.err)
                .isEqualTo(
                        "promptbatch: " + spec + ", line 4: key 'prompt': a value that starts with "
                                + "'{{' must be quoted, or YAML reads it as a mapping; write: prompt: \"{{fruit}} in one word\"\n");

        Path system = job.write(
                "jobs/s.yaml",
                "name: s\ninput: input/fruit.csv\nmodel: llama3.2:3b\n"
                        + "system:   {{fruit}}\nprompt: \"{{fruit}}\"\noutput: output/s.jsonl\n");
        assertThat(job.runAsIs("validate", "jobs/s.yaml", "--simulator")).isEqualTo(2);
        assertThat(job.err)
                .isEqualTo("promptbatch: " + system + ", line 4: key 'system': a value that starts with "
                        + "'{{' must be quoted, or YAML reads it as a mapping; write: system: \"{{fruit}}\"\n");
        assertThat(simulator.stats().generateRequests()).isZero();
    }

    @Test
    void aParameterNoPlaceholderUsesIsWarnedAboutAndRefusedWithStrictParams() {
        job.write(
                "jobs/p.yaml",
                "name: p\ninput: input/fruit.csv\nmodel: llama3.2:3b\n"
                        + "prompt: \"{{fruit}} for ${day}\"\noutput: output/p-${day}.jsonl\n");
        String warning = "promptbatch: warning: --param dya is used by no ${dya} in jobs/p.yaml; it still "
                + "identifies the run, so another value starts another run (--strict-params refuses it)\n";

        assertThat(job.run("run", "jobs/p.yaml", "--param", "day=mon", "--param", "dya=tue"))
                .isZero();
        assertThat(job.err).contains(warning);
        assertThat(job.jsonLines("output/p-mon.jsonl")).hasSize(2);

        assertThat(job.runAsIs("validate", "jobs/p.yaml", "--simulator", "--param", "day=mon", "--param", "dya=tue"))
                .isZero();
        assertThat(job.err).isEqualTo(warning);

        assertThat(job.run("run", "jobs/p.yaml", "--param", "day=wed", "--param", "dya=tue", "--strict-params"))
                .isEqualTo(2);
        assertThat(job.err).isEqualTo("promptbatch: --param dya: jobs/p.yaml uses no ${dya} (--strict-params)\n");
        assertThat(job.runAsIs(
                        "validate", "jobs/p.yaml", "--param", "day=wed", "--param", "dya=tue", "--strict-params"))
                .isEqualTo(2);
        assertThat(job.err).isEqualTo("promptbatch: --param dya: jobs/p.yaml uses no ${dya} (--strict-params)\n");
        assertThat(simulator.stats().requestsForPrompt("apple for wed")).isZero();

        assertThat(job.run("run", "jobs/p.yaml", "--param", "day=thu", "--strict-params"))
                .isZero();
        assertThat(job.err).doesNotContain("warning");
    }

    @Test
    void whenEveryRecordFailedOneLineSaysSoWithTheMostCommonCauseBeforeTheSummary() {
        job.write("input/many.csv", "fruit\napple\npear\nplum\nfig\nkiwi\n");
        job.write(
                "jobs/h.yaml",
                "name: h\ninput: input/many.csv\nmodel: llama3.2:3b\nprompt: \"{{fruit}}\"\n"
                        + "output: output/h.jsonl\nretry: {max-attempts: 2, initial-backoff: 10ms, max-backoff: 10ms}\n");
        simulator.faults().failWhen(request -> !request.prompt().equals("fig"), Fault.MALFORMED_BODY);
        simulator.faults().failWhen(request -> request.prompt().equals("fig"), Fault.PROMPT_TOO_LONG);

        assertThat(job.run("run", "jobs/h.yaml")).isEqualTo(3);

        List<String> lines = job.out.lines().toList();
        assertThat(lines.get(1))
                .isEqualTo("all 5 records failed: 4 of them retries-exhausted: "
                        + job.jsonLines("output/h.errors.jsonl")
                                .get(0)
                                .get("message")
                                .asString());
        assertThat(lines.get(2)).startsWith("model ");
    }
}

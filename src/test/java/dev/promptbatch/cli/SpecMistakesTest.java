package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/** Mistakes in a spec or on the command line: one line naming the file, line or key, exit 2, nothing sent. */
class SpecMistakesTest {
    private static final String BASE = """
            name: mistakes
            input: input/a.csv
            model: llama3.2:3b
            prompt: "Say {{text}}"
            output: output/a.jsonl
            """;

    @RegisterExtension
    final SimulatorExtension simulated =
            SimulatorExtension.startedWith(SimulatorTestSettings.instant().withModels(List.of("llama3.2:3b")));

    @TempDir
    Path dir;

    private OllamaSimulator simulator;
    private JobFixture job;

    @BeforeEach
    void writeInput() {
        job.write("input/a.csv", "text\nhello\n");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            concurrency: 99999999999                 | key 'concurrency': expected a whole number from 1 to 1024, or auto, got 99999999999
            repeat: 99999999999                      | key 'repeat': expected a whole number from 1 to 1000, got 99999999999
            'retry: {max-attempts: 99999999999}'     | key 'retry.max-attempts': expected a whole number from 1 to 1000 (1 means no retry), got 99999999999
            'seeds: [1, 99999999999999999999999]'    | key 'seeds': expected whole numbers from -9223372036854775808 to 9223372036854775807, got 99999999999999999999999
            timeout: 99999999999999999h              | key 'timeout': expected a duration of at most 8760h (a year), got 99999999999999999h
            max-outage: 9000h                        | key 'max-outage': expected a duration of at most 8760h (a year), got 9000h
            'retry: {max-backoff: 99999999999999999999999ms}' | key 'retry.max-backoff': expected a duration of at most 8760h (a year), got 99999999999999999999999ms
            max-record-size: 99999999999999999999    | key 'max-record-size': expected a size such as 1MiB, 512KiB or 65536 (bytes), up to 2 GiB, got 99999999999999999999
            max-record-size: 99999999999999999999GiB | key 'max-record-size': expected a size such as 1MiB, 512KiB or 65536 (bytes), up to 2 GiB, got 99999999999999999999GiB
            max-failures: 99999999999999999999       | key 'max-failures': expected a number of records up to 9223372036854775807, or a percentage such as 5%, got 99999999999999999999
            'options: {seed: 99999999999999999999}'  | key 'options.seed': expected a whole number from -9223372036854775808 to 9223372036854775807
            """)
    void aNumberTooLargeForItsKeyIsExitTwoNamingTheKeyAndTheFile(String line, String expected) {
        Path spec = job.write("jobs/big.yaml", BASE + line + "\n");
        // The mistake is on the spec's last line.
        String where =
                "promptbatch: " + spec + ", line " + (BASE + line).lines().count() + ": ";

        assertThat(job.run("run", "jobs/big.yaml")).isEqualTo(2);
        assertThat(job.err).isEqualTo(where + expected + "\n");
        assertThat(job.runAsIs(
                        "validate",
                        "jobs/big.yaml",
                        "--base-url",
                        simulator.baseUrl().toString()))
                .isEqualTo(2);
        assertThat(job.err).isEqualTo(where + expected + "\n");
        assertThat(simulator.stats().generateRequests()).isZero();
    }

    @Test
    void aMisspelledOptionIsNamedWithTheOptionMeantInAnOrderThatReads() {
        Path spec = job.write("jobs/o.yaml", BASE + "options: {temprature: 0.5}\n");

        assertThat(job.run("run", "jobs/o.yaml")).isEqualTo(2);
        assertThat(job.err)
                .isEqualTo("promptbatch: " + spec + ", line 6: key 'options.temprature': not an option Ollama "
                        + "knows (did you mean 'temperature'?); Ollama ignores unknown options silently. It knows: "
                        + "draft_num_predict, frequency_penalty, main_gpu, min_p, num_batch, num_ctx, num_gpu, num_keep, "
                        + "num_predict, num_thread, presence_penalty, repeat_last_n, repeat_penalty, seed, stop, temperature, "
                        + "top_k, top_p, typical_p, use_mmap\n");
    }
}

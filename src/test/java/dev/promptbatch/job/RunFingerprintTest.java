package dev.promptbatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;

import dev.promptbatch.spec.JobSpec;
import dev.promptbatch.spec.SpecLoader;

/**
 * The fingerprint a job database keeps with each execution: a spec that did not change must hash as it did when
 * the database was written, or resuming it is refused as changed.
 */
class RunFingerprintTest {
    /** Every key that shapes the answers, set; the paths relative, so that the hash is the same on every machine. */
    private static final String SWEEP = """
            name: fingerprint
            input: input/benchmark-prompts.jsonl
            id-field: id
            models: [llama3.2:3b, qwen2.5:7b]
            system: You answer briefly.
            prompt: "{{prompt}}"
            options: {num_predict: 64, temperature: 0.2}
            format: {type: object, properties: {answer: {type: string}}}
            think: low
            output: output/fingerprint.jsonl
            include: [task]
            seeds: [1, 2]
            variants: [{top_p: 0.9}, {top_k: 20}]
            repeat: 2
            """;
    /** What {@link #SWEEP} hashed to while JobSpec was one flat record (f8528eb and before). */
    private static final String SWEEP_SHA256 = "93d8eecdeba5d4bf8cb62c0ab4fbb44db039e8d4a3245c37f9e0689ec6135007";

    @TempDir
    Path dir;

    @Test
    void aSpecHashesAsItDidWhenEarlierJobDatabasesWereWritten() throws IOException {
        RunFingerprint fingerprint = RunFingerprint.of(load(SWEEP));

        assertThat(fingerprint.specSha256()).isEqualTo(SWEEP_SHA256);
        assertThat(fingerprint.output()).isEqualTo("output/fingerprint.jsonl");
    }

    @Test
    void whatDoesNotShapeTheAnswersLeavesTheHashAlone() throws IOException {
        String paced = SWEEP.replace("name: fingerprint", "name: fingerprint-paced") + """
                keep-alive: 30m
                concurrency: 16
                timeout: 90s
                retry: {max-attempts: 2, initial-backoff: 2s, max-backoff: 4s}
                max-failures: 5%
                max-outage: 1m
                max-record-size: 4KiB
                server: {base-url: "http://gpu-box:11434"}
                report: output/fingerprint.html
                schema-retries: 5
                endpoint: generate
                """;

        assertThat(RunFingerprint.of(load(paced))).isEqualTo(RunFingerprint.of(load(SWEEP)));
        assertThat(RunFingerprint.of(load(SWEEP + "endpoint: chat\n")).specSha256())
                .isNotEqualTo(RunFingerprint.of(load(SWEEP)).specSha256());
        assertThat(RunFingerprint.of(load(SWEEP.replace("repeat: 2", "repeat: 3")))
                        .specSha256())
                .isNotEqualTo(RunFingerprint.of(load(SWEEP)).specSha256());
    }

    @Test
    void aChangedSpecNamesTheKeysThatShapeTheAnswers() throws IOException {
        JobSpec spec = load(SWEEP);
        RunFingerprint fingerprint = RunFingerprint.of(spec);
        JobParametersBuilder earlier = new JobParametersBuilder();
        new RunFingerprint(
                        fingerprint.inputSize(), fingerprint.inputSha256(), "0".repeat(64), fingerprint.output(), null)
                .addTo(earlier);

        assertThat(fingerprint.changeSince(earlier.toJobParameters(), spec))
                .contains(spec.specFile()
                        + " changed in what shapes the answers (endpoint, input, input-format, id-field, models, system, "
                        + "prompt, messages, options, format, think, images, batch-size, dimensions, truncate, output, "
                        + "output-format, include, api, seeds, variants or repeat)");
    }

    @Test
    void theImageFilesOfAJobWithImagesAreHashedInRecordOrderAndAMissingOneDoesNotStopIt() throws IOException {
        Path work = Files.createDirectories(dir.resolve("work"));
        Files.createDirectories(work.resolve("photos"));
        Files.write(work.resolve("photos/a.png"), new byte[] {1, 2, 3});
        Files.writeString(work.resolve("in.csv"), "n,photo\n1,photos/a.png\n2,photos/gone.png\n3,\n");
        Path file = Files.writeString(work.resolve("i.yaml"), """
                name: images
                input: in.csv
                model: llava:7b
                prompt: "{{n}}"
                images: [photo]
                output: out.jsonl
                """);
        JobSpec spec = new SpecLoader(work).load(file, Map.of(), Map.of());
        RunFingerprint before = RunFingerprint.of(spec);
        JobParametersBuilder earlier = new JobParametersBuilder();
        before.addTo(earlier);

        assertThat(before.imagesSha256()).hasSize(64);
        assertThat(RunFingerprint.of(spec)).isEqualTo(before);
        assertThat(RunFingerprint.of(load(SWEEP)).imagesSha256()).isNull();
        Files.write(work.resolve("photos/a.png"), new byte[] {1, 2, 4});
        RunFingerprint after = RunFingerprint.of(spec);
        assertThat(after.inputSha256()).isEqualTo(before.inputSha256());
        assertThat(after.specSha256()).isEqualTo(before.specSha256());
        assertThat(after.changeSince(earlier.toJobParameters(), spec))
                .contains("the image files that " + work.resolve("in.csv") + " names changed (SHA-256 over them was "
                        + before.imagesSha256().substring(0, 12) + "..., it is "
                        + after.imagesSha256().substring(0, 12) + "...)");
    }

    @Test
    void anEmbedJobsBatchSizeDimensionsAndTruncateShapeItsAnswersAndSoItsBatches() throws IOException {
        String embed = """
                name: vectors
                endpoint: embed
                input: input/articles.jsonl
                id-field: id
                model: all-minilm
                prompt: "{{title}}"
                output: output/vectors.jsonl
                """;
        String hash = RunFingerprint.of(load(embed)).specSha256();

        assertThat(List.of("batch-size: 8\n", "batch-size: 32\n", "dimensions: 64\n", "truncate: true\n"))
                .extracting(more -> RunFingerprint.of(load(embed + more)).specSha256())
                .doesNotContain(hash)
                .doesNotHaveDuplicates();
        assertThat(RunFingerprint.of(load(embed.replace("endpoint: embed\n", "")))
                        .specSha256())
                .isNotEqualTo(hash);
    }

    /** The spec file in a temporary folder, its paths relative to the project, where the input exists. */
    private JobSpec load(String yaml) throws IOException {
        Path file = Files.writeString(dir.resolve("fingerprint.yaml"), yaml);
        return new SpecLoader(Path.of("")).load(file, Map.of(), Map.of());
    }
}

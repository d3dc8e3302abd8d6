package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.promptbatch.output.EmbedLine;

/** {@code diff} of two embed runs' outputs: cosine similarity against a threshold, dimensions, the worst examples. */
class EmbeddingDiffTest {
    private static final String MODEL = "all-minilm";
    private static final double[] BASE = {0.5, 0.5, 0.5, 0.5};

    @TempDir
    Path dir;

    private JobFixture job;

    @BeforeEach
    void writeTwoRuns() {
        job = new JobFixture(dir, null);
        write(
                "output/a.jsonl",
                List.of(
                        EmbedLine.of("1", 1, MODEL, BASE),
                        EmbedLine.of("2", 2, MODEL, BASE),
                        EmbedLine.of("3", 3, MODEL, BASE),
                        EmbedLine.of("4", 4, MODEL, BASE),
                        EmbedLine.of("5", 5, MODEL, BASE)));
        write(
                "output/b.jsonl",
                List.of(
                        EmbedLine.of("1", 1, MODEL, BASE),
                        // cosine 0.99999991 with BASE: float rounding, not another answer
                        EmbedLine.of("2", 2, MODEL, 0.5003, 0.4997, 0.5, 0.5),
                        // cosine 0.8 and 0.9
                        EmbedLine.of("3", 3, MODEL, 0.9, 0.1, 0.3, 0.3),
                        EmbedLine.of("4", 4, MODEL, 0.7, 0.1, 0.5, 0.5),
                        EmbedLine.of("5", 5, MODEL, 0.5, 0.5, 0.5)));
    }

    @Test
    void aSlightDifferenceIsIdenticalAndAClearOneDifferentWorstFirst() {
        assertThat(job.runAsIs("diff", "output/a.jsonl", "output/b.jsonl")).isEqualTo(1);

        assertThat(job.out).isEqualTo("""
                        identical: 2, different: 3, only in A: 0, only in B: 0
                        embeddings: lowest cosine 0.800000012 (id=3 model=all-minilm); identical at cosine 0.999999 or more
                          different  id=5 model=all-minilm, input line 5: dimensions differ, 4 in A, 3 in B
                          different  id=3 model=all-minilm, input line 3: cosine 0.800000012
                          different  id=4 model=all-minilm, input line 4: cosine 0.900000002
                        """);
    }

    @Test
    void theThresholdIsAnOption() {
        assertThat(job.runAsIs("diff", "--min-cosine", "0.99999995", "output/a.jsonl", "output/b.jsonl"))
                .isEqualTo(1);
        assertThat(job.out)
                .startsWith("identical: 1, different: 4, only in A: 0, only in B: 0\n"
                        + "embeddings: lowest cosine 0.800000012 (id=3 model=all-minilm); identical at cosine "
                        + "0.99999995 or more\n")
                .endsWith("  different  id=2 model=all-minilm, input line 2: cosine 0.999999910\n");

        assertThat(job.runAsIs("diff", "--min-cosine", "0.8", "output/a.jsonl", "output/b.jsonl"))
                .isEqualTo(1);
        assertThat(job.out).isEqualTo("""
                        identical: 4, different: 1, only in A: 0, only in B: 0
                        embeddings: lowest cosine 0.800000012 (id=3 model=all-minilm); identical at cosine 0.8 or more
                          different  id=5 model=all-minilm, input line 5: dimensions differ, 4 in A, 3 in B
                        """);
    }

    @Test
    void theSameEmbeddingsAreIdenticalWithExitZero() {
        assertThat(job.runAsIs("diff", "output/a.jsonl", "output/a.jsonl")).isZero();
        assertThat(job.out).isEqualTo("""
                        identical: 5, different: 0, only in A: 0, only in B: 0
                        embeddings: lowest cosine 1.000000000 (id=1 model=all-minilm); identical at cosine 0.999999 or more
                        """);
    }

    @Test
    void aThresholdOutsideZeroToOneIsRefused() {
        for (String threshold : List.of("1.5", "-0.1", "NaN")) {
            assertThat(job.runAsIs("diff", "--min-cosine", threshold, "output/a.jsonl", "output/b.jsonl"))
                    .as(threshold)
                    .isEqualTo(2);
            assertThat(job.out).isEmpty();
            assertThat(job.err)
                    .contains("--min-cosine: expected a number from 0 to 1, got " + Double.parseDouble(threshold));
        }
        assertThat(job.runAsIs("diff", "--min-cosine", "high", "output/a.jsonl", "output/b.jsonl"))
                .isEqualTo(2);
        assertThat(job.err).contains("--min-cosine").contains("high");
    }

    @Test
    void aRecordWithAnEmbeddingOnlyOnOneSideDiffers() {
        job.write("output/text.jsonl", """
                {"id":"1","line":1,"model":"all-minilm","server":"http://127.0.0.1:11434","response":"r","latency_ms":5}
                """);
        write("output/one.jsonl", List.of(EmbedLine.of("1", 1, MODEL, BASE)));

        assertThat(job.runAsIs("diff", "output/text.jsonl", "output/one.jsonl")).isEqualTo(1);
        assertThat(job.out).isEqualTo("""
                        identical: 0, different: 1, only in A: 0, only in B: 0
                          different  id=1 model=all-minilm, input line 1: embedding only in B
                        """);
    }

    private void write(String name, List<EmbedLine> lines) {
        StringBuilder content = new StringBuilder();
        lines.forEach(line -> content.append(line.json()).append('\n'));
        job.write(name, content.toString());
    }
}

package dev.promptbatch.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.promptbatch.outcome.Cell;
import dev.promptbatch.output.RunSummary.Group;

/** The summary read back from a run's files: per model, and per model and server when several servers answered. */
class RunSummaryTest {
    private static final String GPU1 = "http://gpu1:11434";
    private static final String GPU2 = "http://gpu2:11434";
    private static final List<Cell> CELLS = List.of(new Cell("llama3.2:3b", null, null, null));

    @TempDir
    Path dir;

    @Test
    void severalServersGiveARowPerModelAndServerThatSumToTheModelsRow() throws IOException {
        OutputFiles files = OutputFiles.of(dir.resolve("out.jsonl"));
        Files.write(
                files.output(),
                List.of(
                        answer(1, GPU1, 100, 50.0),
                        answer(2, GPU2, 400, 20.0),
                        answer(3, GPU1, 120, 48.0),
                        answer(4, GPU1, 140, 46.0),
                        answer(5, GPU2, 420, 22.0)));
        Files.write(
                files.errors(),
                List.of(failure(6, "\"" + GPU2 + "\"", "retries-exhausted"), failure(7, "null", "bad-record")));

        RunSummary summary = RunSummary.read(files, CELLS, List.of(GPU1, GPU2));

        assertThat(summary.groups())
                .extracting(g -> g.label() + " " + g.answers() + "/" + g.failures())
                .containsExactly("llama3.2:3b 5/2");
        List<Group> perServer = summary.perServer();
        assertThat(perServer)
                .extracting(g -> g.model() + " " + g.server() + " " + g.answers() + "/" + g.failures() + " "
                        + g.latencyMs().p50() + "/" + g.latencyMs().p95() + " "
                        + g.tokensPerSecond().p50())
                .containsExactly(
                        "llama3.2:3b " + GPU1 + " 3/0 120.0/140.0 48.0",
                        "llama3.2:3b " + GPU2 + " 2/1 400.0/420.0 20.0");
        assertThat(perServer.stream().mapToLong(Group::answers).sum()).isEqualTo(summary.answered());

        assertThat(summary.table(Duration.ofSeconds(60)))
                .isEqualTo(String.format(Locale.ROOT, """
                        model                     records answered   failed  tokens/s p50    latency p50    latency p95
                        llama3.2:3b                     7        5        2          46.0         140 ms         420 ms

                        model                    server            answered   failed  tokens/s p50    latency p50    latency p95
                        llama3.2:3b              http://gpu1:11434        3        0          48.0         120 ms         140 ms
                        llama3.2:3b              http://gpu2:11434        2        1          20.0         400 ms         420 ms
                        all models: 5.0 answers/min, 0.3 generated tokens/s
                        """).replace("\n", System.lineSeparator()));

        summary.writeCsv(files.summary());
        assertThat(Files.readAllLines(files.summary()))
                .containsExactly(
                        "model,server,variant,answers,failures,latency_p50_ms,latency_p95_ms,latency_p99_ms,"
                                + "tokens_per_second_median,tokens_per_second_mean,tokens_per_second_stddev,"
                                + "tokens_per_second_spread_across_seeds_repeats,tokens_per_second_source,"
                                + "prompt_tokens_per_second_median,load_ms_median,output_tokens_median,"
                                + "output_tokens_mean",
                        "llama3.2:3b,,,5,2,140.00,420.00,420.00,46.00,37.20,13.30,0.00,server,0.00,0.00,3.00,3.00",
                        "llama3.2:3b," + GPU1 + ",,3,0,120.00,140.00,140.00,48.00,48.00,1.63,0.00,server,0.00,0.00,"
                                + "3.00,3.00",
                        "llama3.2:3b," + GPU2 + ",,2,1,400.00,420.00,420.00,20.00,21.00,1.00,0.00,server,0.00,0.00,"
                                + "3.00,3.00");
    }

    @Test
    void aServerThatAnsweredNothingStillHasItsRow() throws IOException {
        OutputFiles files = OutputFiles.of(dir.resolve("out.jsonl"));
        Files.write(files.output(), List.of(answer(1, GPU1, 100, 50.0)));

        RunSummary summary = RunSummary.read(files, CELLS, List.of(GPU1, GPU2));

        assertThat(summary.perServer())
                .extracting(g -> g.server() + " " + g.answers())
                .containsExactly(GPU1 + " 1", GPU2 + " 0");
    }

    @Test
    void oneServerKeepsTheSummaryAsItWasWithoutPerServerRows() throws IOException {
        OutputFiles files = OutputFiles.of(dir.resolve("out.jsonl"));
        Files.write(files.output(), List.of(answer(1, GPU1, 100, 50.0), answer(2, GPU1, 200, 40.0)));

        RunSummary summary = RunSummary.read(files, CELLS, List.of(GPU1));

        assertThat(summary.perServer()).isEmpty();
        assertThat(summary.table(Duration.ofSeconds(60))).doesNotContain("server");
        summary.writeCsv(files.summary());
        assertThat(Files.readAllLines(files.summary()).get(0)).startsWith("model,variant,answers,");
        assertThat(Files.readAllLines(files.summary())).hasSize(2);
    }

    private static String answer(int id, String server, long latencyMs, double tokensPerSecond) {
        return String.format(Locale.ROOT, """
                {"id":%d,"line":%d,"model":"llama3.2:3b","server":"%s","seed":null,"response":"r","thinking":null,\
                "done_reason":"stop","prompt_eval_count":null,"eval_count":3,"total_duration":null,\
                "load_duration":null,"prompt_eval_duration":null,"eval_duration":null,"tokens_per_second":%.1f,\
                "tokens_per_second_source":"server","latency_ms":%d,"attempts":1}""", id, id, server, tokensPerSecond, latencyMs);
    }

    private static String failure(int id, String serverJson, String kind) {
        return String.format(Locale.ROOT, """
                {"id":%d,"line":%d,"model":"llama3.2:3b","server":%s,"seed":null,"kind":"%s","message":"m",\
                "attempts":1}""", id, id, serverJson, kind);
    }
}

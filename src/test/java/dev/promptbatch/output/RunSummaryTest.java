package dev.promptbatch.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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
    private static final String MINILM = "all-minilm";
    private static final String NOMIC = "nomic-embed-text";
    private static final List<Cell> EMBED_CELLS =
            List.of(new Cell(MINILM, null, null, null), new Cell(NOMIC, null, null, null));

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
                        "llama3.2:3b,,,5,2,140.00,420.00,420.00,46.00,37.20,13.30,0.00,server,,,3.00,3.00",
                        "llama3.2:3b," + GPU1 + ",,3,0,120.00,140.00,140.00,48.00,48.00,1.63,0.00,server,,,3.00,3.00",
                        "llama3.2:3b," + GPU2 + ",,2,1,400.00,420.00,420.00,20.00,21.00,1.00,0.00,server,,,3.00,3.00");
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

    @Test
    void anEmbedRunCountsEachRequestOnceAndDividesItsTimeByTheRequestsInFlight() throws IOException {
        OutputFiles files = OutputFiles.of(dir.resolve("embed.jsonl"));
        double[] vector = {0.6, 0.8};
        Files.write(
                files.output(),
                List.of(
                        // all-minilm: records 1-4 in one request; 5, 6 and 8 each alone (7 was too long); 9-11
                        EmbedLine.of("1", 1, MINILM, vector)
                                .inBatch(1, 4, 40L, 200)
                                .json(),
                        EmbedLine.of("2", 2, MINILM, vector)
                                .inBatch(1, 4, 40L, 200)
                                .json(),
                        EmbedLine.of("3", 3, MINILM, vector)
                                .inBatch(1, 4, 40L, 200)
                                .json(),
                        EmbedLine.of("4", 4, MINILM, vector)
                                .inBatch(1, 4, 40L, 200)
                                .json(),
                        EmbedLine.of("5", 5, MINILM, vector)
                                .inBatch(2, 1, 12L, 30)
                                .json(),
                        EmbedLine.of("6", 6, MINILM, vector)
                                .inBatch(2, 1, 12L, 35)
                                .json(),
                        EmbedLine.of("8", 8, MINILM, vector)
                                .inBatch(2, 1, 12L, 40)
                                .json(),
                        EmbedLine.of("9", 9, MINILM, vector)
                                .inBatch(3, 3, 30L, 150)
                                .json(),
                        EmbedLine.of("10", 10, MINILM, vector)
                                .inBatch(3, 3, 30L, 150)
                                .json(),
                        EmbedLine.of("11", 11, MINILM, vector)
                                .inBatch(3, 3, 30L, 150)
                                .json(),
                        // nomic-embed-text: one request, without a prompt_eval_count
                        EmbedLine.of("1", 1, NOMIC, vector)
                                .inBatch(1, 3, null, 300)
                                .json(),
                        EmbedLine.of("2", 2, NOMIC, vector)
                                .inBatch(1, 3, null, 300)
                                .json(),
                        EmbedLine.of("3", 3, NOMIC, vector)
                                .inBatch(1, 3, null, 300)
                                .json()));
        Files.writeString(files.errors(), """
                {"id":"7","line":7,"model":"all-minilm","server":"http://127.0.0.1:11434","kind":"rejected",\
                "message":"the input length exceeds the context length","attempts":1}
                """);
        Files.writeString(dir.resolve("embed.manifest.json"), """
                {"job":"embed","endpoint":"embed","batch_size":4,
                 "servers":[{"url":"http://127.0.0.1:11434","concurrency":2,"auto":false,"reached":true}]}
                """);

        RunSummary summary = RunSummary.read(files, EMBED_CELLS, List.of(EmbedLine.SERVER));

        assertThat(summary.embed()).isTrue();
        Group minilm = summary.groups().get(0);
        assertThat(minilm.requests()).isEqualTo(5);
        // (200 + 30 + 35 + 40 + 150) ms over 2 requests in flight
        assertThat(minilm.requestSeconds()).isEqualTo(0.2275);
        assertThat(minilm.recordsPerSecond()).isEqualTo(10 / 0.2275);
        assertThat(minilm.promptTokensPerRequestSecond()).isEqualTo((40 + 3 * 12 + 30) / 0.2275);
        Group nomic = summary.groups().get(1);
        assertThat(nomic.requests()).isEqualTo(1);
        assertThat(nomic.requestSeconds()).isEqualTo(0.3);
        assertThat(nomic.promptTokensPerRequestSecond()).isNull();

        assertThat(summary.table(Duration.ofSeconds(2)))
                .isEqualTo(String.format(Locale.ROOT, """
                        model                    batch size  records embedded   failed  records/s prompt tokens/s    latency p50    latency p95
                        all-minilm                        4       11       10        1       44.0           465.9          40 ms         200 ms
                        nomic-embed-text                  4        3        3        0       10.0               -         300 ms         300 ms
                        all models: 6.5 records/s, 53.0 prompt tokens/s over the wall time
                        """).replace("\n", System.lineSeparator()));

        summary.writeCsv(files.summary());
        assertThat(Files.readAllLines(files.summary()))
                .containsExactly(
                        "model,variant,batch_size,records,embedded,failures,requests,records_per_second,"
                                + "prompt_tokens_per_second,latency_p50_ms,latency_p95_ms,latency_p99_ms",
                        "all-minilm,,4,11,10,1,5,43.96,465.93,40.00,200.00,200.00",
                        "nomic-embed-text,,4,3,3,0,1,10.00,,300.00,300.00,300.00");
    }

    @Test
    void anEmbedOutputWithoutManifestIsKnownByItsLinesAndTakenAsOneRequestInFlight() throws IOException {
        OutputFiles files = OutputFiles.of(dir.resolve("embed.jsonl"));
        double[] vector = {1.0, 0.0};
        Files.write(
                files.output(),
                List.of(
                        // two repetitions whose only request has the same statistics: two requests
                        EmbedLine.of("a", 1, MINILM, vector)
                                .inPass(null, 0)
                                .inBatch(1, 2, 8L, 100)
                                .json(),
                        EmbedLine.of("b", 2, MINILM, vector)
                                .inPass(null, 0)
                                .inBatch(1, 2, 8L, 100)
                                .json(),
                        EmbedLine.of("a", 1, MINILM, vector)
                                .inPass(null, 1)
                                .inBatch(1, 2, 8L, 100)
                                .json(),
                        EmbedLine.of("b", 2, MINILM, vector)
                                .inPass(null, 1)
                                .inBatch(1, 2, 8L, 100)
                                .json()));

        RunSummary summary = RunSummary.read(files, List.of(new Cell(MINILM, null, null, 0)), List.of());

        assertThat(summary.embed()).isTrue();
        Group minilm = summary.groups().get(0);
        assertThat(minilm.batchSize()).isEqualTo(2);
        assertThat(minilm.requests()).isEqualTo(2);
        assertThat(minilm.requestSeconds()).isEqualTo(0.2);
        assertThat(minilm.recordsPerSecond()).isEqualTo(20.0);
        assertThat(minilm.promptTokensPerRequestSecond()).isEqualTo(80.0);
    }

    @Test
    void anEmbedRunOnTwoServersHasARowPerModelAndServerEachOverItsOwnConcurrency() throws IOException {
        OutputFiles files = OutputFiles.of(dir.resolve("embed.jsonl"));
        double[] vector = {0.6, 0.8};
        Files.write(
                files.output(),
                List.of(
                        EmbedLine.of("1", 1, MINILM, vector)
                                .inBatch(1, 2, 10L, 100)
                                .json(),
                        EmbedLine.of("2", 2, MINILM, vector)
                                .inBatch(1, 2, 10L, 100)
                                .json(),
                        EmbedLine.of("3", 3, MINILM, vector)
                                .on(GPU2)
                                .inBatch(2, 2, 10L, 400)
                                .json(),
                        EmbedLine.of("4", 4, MINILM, vector)
                                .on(GPU2)
                                .inBatch(2, 2, 10L, 400)
                                .json(),
                        EmbedLine.of("5", 5, MINILM, vector)
                                .inBatch(3, 1, 5L, 60)
                                .json()));
        Files.writeString(dir.resolve("embed.manifest.json"), """
                {"endpoint":"embed","batch_size":2,
                 "servers":[{"url":"%s","concurrency":4,"reached":true},
                            {"url":"%s","concurrency":1,"reached":true},
                            {"url":"http://gone:11434","concurrency":8,"reached":false}]}
                """.formatted(EmbedLine.SERVER, GPU2));

        RunSummary summary =
                RunSummary.read(files, List.of(new Cell(MINILM, null, null, null)), List.of(EmbedLine.SERVER, GPU2));

        // All servers: 3 requests, (100 + 400 + 60) ms over 3 in flight (5 configured, the unreached left out)
        assertThat(summary.groups().get(0).requestSeconds()).isCloseTo(0.56 / 3, within(1e-12));
        assertThat(summary.table(Duration.ofSeconds(1)))
                .isEqualTo(String.format(Locale.ROOT, """
                        model                    batch size  records embedded   failed  records/s prompt tokens/s    latency p50    latency p95
                        all-minilm                        2        5        5        0       26.8           133.9         100 ms         400 ms

                        model                    server                 embedded   failed  records/s    latency p50    latency p95
                        all-minilm               http://127.0.0.1:11434        3        0       37.5          60 ms         100 ms
                        all-minilm               http://gpu2:11434             2        0        5.0         400 ms         400 ms
                        all models: 5.0 records/s, 25.0 prompt tokens/s over the wall time
                        """).replace("\n", System.lineSeparator()));
    }

    @Test
    void anEmbeddingModelBesideAnswersShowsNoTokensPerSecondButItsRecordsPerSecond() throws IOException {
        OutputFiles files = OutputFiles.of(dir.resolve("requests.jsonl"));
        double[] vector = {0.6, 0.8};
        Files.write(
                files.output(),
                List.of(
                        answer(1, GPU1, 100, 50.0),
                        answer(2, GPU1, 200, 40.0),
                        // an OpenAI Batch file's embedding lines: one request each
                        EmbedLine.of("3", 3, NOMIC, vector)
                                .on(GPU1)
                                .inBatch(3, 1, 8L, 40)
                                .json(),
                        EmbedLine.of("4", 4, NOMIC, vector)
                                .on(GPU1)
                                .inBatch(4, 1, 8L, 60)
                                .json()));

        RunSummary summary = RunSummary.read(
                files,
                List.of(new Cell("llama3.2:3b", null, null, null), new Cell(NOMIC, null, null, null)),
                List.of(GPU1));

        assertThat(summary.embed()).isFalse();
        assertThat(summary.table(Duration.ofSeconds(60)))
                .isEqualTo(String.format(Locale.ROOT, """
                        model                     records answered   failed  tokens/s p50    latency p50    latency p95
                        llama3.2:3b                     2        2        0          40.0         100 ms         200 ms
                        nomic-embed-text                2        2        0             -          40 ms          60 ms
                        nomic-embed-text embedded 2 records in 2 requests: 20.0 records/s over the requests' time \
                        (an embedding generates no tokens)
                        all models: 4.0 answers/min, 0.1 generated tokens/s
                        """).replace("\n", System.lineSeparator()));
        summary.writeCsv(files.summary());
        assertThat(Files.readAllLines(files.summary()))
                .containsExactly(
                        "model,variant,answers,failures,latency_p50_ms,latency_p95_ms,latency_p99_ms,"
                                + "tokens_per_second_median,tokens_per_second_mean,tokens_per_second_stddev,"
                                + "tokens_per_second_spread_across_seeds_repeats,tokens_per_second_source,"
                                + "prompt_tokens_per_second_median,load_ms_median,output_tokens_median,"
                                + "output_tokens_mean",
                        "llama3.2:3b,,2,0,100.00,200.00,200.00,40.00,45.00,5.00,0.00,server,,,3.00,3.00",
                        "nomic-embed-text,,2,0,40.00,60.00,60.00,,,,,,,,,");
    }

    @Test
    void aGenerateRunIsNoEmbedRun() throws IOException {
        OutputFiles files = OutputFiles.of(dir.resolve("out.jsonl"));
        Files.write(files.output(), List.of(answer(1, GPU1, 100, 50.0)));

        RunSummary summary = RunSummary.read(files, CELLS, List.of(GPU1));

        assertThat(summary.embed()).isFalse();
        assertThat(summary.table(Duration.ofSeconds(60))).startsWith("model                     records answered");
    }

    @Test
    void theRunsGeneratedTokensPerSecondLeaveOutTheCachedAnswers() throws IOException {
        OutputFiles files = OutputFiles.of(dir.resolve("out.jsonl"));
        Files.write(
                files.output(),
                List.of(
                        answer(1, GPU1, 100, 50.0),
                        answer(2, GPU1, 100, 50.0).replace("\"attempts\":1}", "\"attempts\":0,\"cached\":true}"),
                        answer(3, GPU1, 100, 50.0).replace("\"attempts\":1}", "\"attempts\":0,\"cached\":true}")));

        RunSummary summary = RunSummary.read(files, CELLS, List.of(GPU1));

        // 3 answers in 10 s; of their 9 tokens only the uncached answer's 3 were generated during the run.
        assertThat(summary.table(Duration.ofSeconds(10)))
                .contains("all models: 18.0 answers/min, 0.3 generated tokens/s" + System.lineSeparator())
                .contains("cached: 2 of the 3 answers came from the cache, without a request");
        assertThat(summary.groups().get(0).generatedTokens()).isEqualTo(9);
        assertThat(summary.retryTable())
                .isEqualTo(summary.table(Duration.ofSeconds(10))
                        .replace("all models: 18.0 answers/min, 0.3 generated tokens/s" + System.lineSeparator(), ""));
    }

    @Test
    void failuresOfLinesWithoutAModelHaveARowOfTheirOwnSayingSo() throws IOException {
        OutputFiles files = OutputFiles.of(dir.resolve("out.jsonl"));
        Files.write(files.output(), List.of(answer(1, GPU1, 100, 50.0)));
        Files.write(files.errors(), List.of(failure(2, "null", "bad-record").replace("\"llama3.2:3b\"", "null")));

        RunSummary summary = RunSummary.read(files, CELLS, List.of(GPU1));

        assertThat(summary.groups())
                .extracting(g -> g.label() + " " + g.answers() + "/" + g.failures())
                .containsExactly("llama3.2:3b 1/0", "(no model) 0/1");
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

package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;

import dev.promptbatch.simulator.Fault;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/** {@code endpoint: embed} end to end: the CLI in this JVM, the simulator's /api/embed on loopback, real files. */
class EmbedJobTest {
    private static final String MINILM = "all-minilm";
    private static final String NOMIC = "nomic-embed-text";

    @RegisterExtension
    final SimulatorExtension simulated = SimulatorExtension.startedWith(
            SimulatorTestSettings.instant().withModels(List.of(MINILM, NOMIC, "llama3.2:3b")));

    @TempDir
    Path dir;

    private OllamaSimulator simulator;
    private JobFixture job;

    @Test
    void aBatchSizeOfZeroIsASpecErrorNamingTheKey() {
        job.numberedRecords("in.csv", 3);
        job.write("job.yaml", embedJob("batch-size: 0\n"));

        assertThat(job.run("run", "job.yaml")).isEqualTo(2);
        assertThat(job.err)
                .isEqualTo("promptbatch: " + dir.resolve("job.yaml")
                        + ", line 8: key 'batch-size': expected a whole number from 1 to 1024, got 0\n");
        assertThat(simulator.stats().embedRequests()).isZero();
    }

    @Test
    void anEmbedJobWithACsvOutputIsASpecErrorNamingTheOutput() {
        job.numberedRecords("in.csv", 3);
        job.write("job.yaml", embedJob("").replace("out/vectors.jsonl", "out/vectors.csv"));

        assertThat(job.run("run", "job.yaml")).isEqualTo(2);
        assertThat(job.err)
                .isEqualTo(
                        "promptbatch: " + dir.resolve("job.yaml")
                                + ", line 7: key 'output': a .jsonl file: embed jobs write JSON Lines only, got 'vectors.csv'\n");
    }

    @Test
    void dimensionsInAGenerateJobIsASpecErrorNamingTheKey() {
        job.numberedRecords("in.csv", 3);
        job.write("job.yaml", """
                name: gen
                input: in.csv
                model: llama3.2:3b
                prompt: "{{text}}"
                dimensions: 64
                output: out/a.jsonl
                """);

        assertThat(job.run("run", "job.yaml")).isEqualTo(2);
        assertThat(job.err)
                .isEqualTo("promptbatch: " + dir.resolve("job.yaml")
                        + ", line 5: key 'dimensions': only for endpoint: embed\n");
    }

    @Test
    void seedsInAnEmbedJobIsASpecErrorNamingTheKey() {
        job.numberedRecords("in.csv", 3);
        job.write("job.yaml", embedJob("seeds: [1, 2]\n"));

        assertThat(job.run("run", "job.yaml")).isEqualTo(2);
        assertThat(job.err)
                .isEqualTo("promptbatch: " + dir.resolve("job.yaml")
                        + ", line 8: key 'seeds': does not apply to endpoint: embed (an embedding takes no seed)\n");
    }

    @Test
    void aSystemPromptInAnEmbedJobIsASpecErrorNamingTheKey() {
        job.numberedRecords("in.csv", 3);
        job.write("job.yaml", embedJob("system: You embed.\n"));

        assertThat(job.run("run", "job.yaml")).isEqualTo(2);
        assertThat(job.err)
                .isEqualTo("promptbatch: " + dir.resolve("job.yaml") + ", line 8: key 'system': does not apply to "
                        + "endpoint: embed (the text embedded is the rendered prompt)\n");
    }

    @Test
    void anEmbedJobWithAModelThatCannotEmbedIsExitTwoBeforeAnyRequest() {
        job.numberedRecords("in.csv", 3);
        job.write("job.yaml", embedJob("").replace("model: all-minilm", "model: llama3.2:3b"));

        assertThat(job.run("run", "job.yaml")).isEqualTo(ExitCode.NOTHING_RUN);
        assertThat(job.err)
                .contains("model 'llama3.2:3b' on the server at " + simulator.baseUrl() + " cannot embed (its "
                        + "capabilities: completion), so every request to /api/embed would be refused. Choose an "
                        + "embedding model such as all-minilm or nomic-embed-text.");
        assertThat(simulator.stats().embedRequests()).isZero();
    }

    @Test
    void aGenerateJobWithAnEmbeddingModelIsExitTwoBeforeAnyRequest() {
        job.numberedRecords("in.csv", 3);
        job.write("job.yaml", """
                name: gen
                input: in.csv
                model: all-minilm
                prompt: "{{text}}"
                output: out/a.jsonl
                """);

        assertThat(job.run("run", "job.yaml")).isEqualTo(ExitCode.NOTHING_RUN);
        assertThat(job.err)
                .contains("model 'all-minilm' on the server at " + simulator.baseUrl() + " cannot generate text "
                        + "(its capabilities: embedding), so every request to /api/generate or /api/chat would be "
                        + "refused. Choose a model such as llama3.2, or set endpoint: embed for an embedding model.");
        assertThat(simulator.stats().generateRequests()).isZero();
    }

    @Test
    void everyRecordIsEmbeddedInInputOrderInBatchesOfBatchSizeOneRequestEach() {
        job.numberedRecords("in.csv", 20);
        job.write("job.yaml", embedJob("batch-size: 8\ndimensions: 32\ninclude: [text]\n"));

        assertThat(job.run("run", "job.yaml")).as(job.err).isZero();

        // One request per batch of 8 (ceil(20 / 8) = 3), besides the model load, which carries no input.
        assertThat(simulator.stats().embedRequests()).isEqualTo(1 + 3);
        assertThat(simulator.stats().embedInputs()).isEqualTo(20);
        List<JsonNode> output = job.jsonLines("out/vectors.jsonl");
        assertThat(output)
                .extracting(r -> r.get("id").asString())
                .containsExactlyElementsOf(
                        IntStream.rangeClosed(1, 20).mapToObj(String::valueOf).toList());
        assertThat(output).extracting(r -> r.get("batch").asInt()).containsExactlyElementsOf(batches(List.of(8, 8, 4)));
        assertThat(output)
                .extracting(r -> r.get("batch_size").asInt())
                .containsExactlyElementsOf(sizes(List.of(8, 8, 4)));
        for (int n = 1; n <= 20; n++) {
            JsonNode record = output.get(n - 1);
            assertThat(record.propertyNames())
                    .containsExactly(
                            "id",
                            "line",
                            "model",
                            "server",
                            "embedding",
                            "dimensions",
                            "batch",
                            "batch_size",
                            "prompt_eval_count",
                            "total_duration",
                            "load_duration",
                            "latency_ms",
                            "attempts",
                            "input");
            assertThat(record.get("line").asInt()).isEqualTo(n + 1);
            assertThat(record.get("model").asString()).isEqualTo(MINILM);
            assertThat(record.get("server").asString())
                    .isEqualTo(job.server.toString().replaceAll("/$", ""));
            assertThat(record.get("dimensions").asInt()).isEqualTo(32);
            assertThat(record.get("embedding")).isEqualTo(embedding(MINILM, "record " + n, 32));
            assertThat(record.get("attempts").asInt()).isEqualTo(1);
            assertThat(record.get("input").get("text").asString()).isEqualTo("record " + n);
        }
        // The statistics are the request's: the same on every record of a batch. Each input is 2 words + 2 tokens.
        assertThat(output)
                .extracting(r -> r.get("prompt_eval_count").asInt())
                .containsExactlyElementsOf(sizes(List.of(32, 32, 16)));
        assertThat(output.get(0).get("total_duration")).isEqualTo(output.get(7).get("total_duration"));
        assertThat(job.lines("out/vectors.manifest.json"))
                .contains("  \"endpoint\" : \"embed\",", "  \"batch_size\" : 8,");
    }

    @Test
    void batchesNeverSpanTwoPassesAndAreNumberedWithinEachPass() {
        job.numberedRecords("in.csv", 5);
        job.write(
                "job.yaml",
                embedJob("batch-size: 2\n").replace("model: all-minilm", "models: [all-minilm, " + NOMIC + "]"));

        assertThat(job.run("run", "job.yaml")).as(job.err).isZero();

        List<JsonNode> output = job.jsonLines("out/vectors.jsonl");
        assertThat(output)
                .extracting(r -> r.get("model").asString() + " " + r.get("id").asString() + " batch "
                        + r.get("batch").asInt() + " of " + r.get("batch_size").asInt())
                .containsExactly(
                        "all-minilm 1 batch 1 of 2",
                        "all-minilm 2 batch 1 of 2",
                        "all-minilm 3 batch 2 of 2",
                        "all-minilm 4 batch 2 of 2",
                        "all-minilm 5 batch 3 of 1",
                        NOMIC + " 1 batch 1 of 2",
                        NOMIC + " 2 batch 1 of 2",
                        NOMIC + " 3 batch 2 of 2",
                        NOMIC + " 4 batch 2 of 2",
                        NOMIC + " 5 batch 3 of 1");
        assertThat(output.get(0).get("dimensions").asInt()).isEqualTo(384);
        assertThat(output.get(5).get("dimensions").asInt()).isEqualTo(768);
        // Two loads, and three requests per model.
        assertThat(simulator.stats().embedRequests()).isEqualTo(2 + 3 + 3);
    }

    @Test
    void aRecordTooLongForTheContextFailsAloneAndTheRestOfItsBatchIsEmbeddedOneByOne() {
        StringBuilder input = new StringBuilder("n,text\n");
        for (int n = 1; n <= 10; n++) {
            // all-minilm's context is 512 tokens: 600 words are too many.
            input.append(n)
                    .append(',')
                    .append(n == 6 ? "long " + "word ".repeat(599).strip() : "record " + n);
            input.append('\n');
        }
        job.write("in.csv", input.toString());
        job.write("job.yaml", embedJob("batch-size: 4\ntruncate: false\n"));

        assertThat(job.run("run", "job.yaml")).as(job.err).isEqualTo(3);

        List<JsonNode> output = job.jsonLines("out/vectors.jsonl");
        assertThat(output)
                .extracting(r -> r.get("id").asString() + " batch "
                        + r.get("batch").asInt() + " of " + r.get("batch_size").asInt() + ", "
                        + r.get("attempts").asInt() + " attempts")
                .containsExactly(
                        "1 batch 1 of 4, 1 attempts",
                        "2 batch 1 of 4, 1 attempts",
                        "3 batch 1 of 4, 1 attempts",
                        "4 batch 1 of 4, 1 attempts",
                        "5 batch 2 of 1, 2 attempts",
                        "7 batch 2 of 1, 2 attempts",
                        "8 batch 2 of 1, 2 attempts",
                        "9 batch 3 of 2, 1 attempts",
                        "10 batch 3 of 2, 1 attempts");
        List<JsonNode> errors = job.jsonLines("out/vectors.errors.jsonl");
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0).get("id").asString()).isEqualTo("6");
        assertThat(errors.get(0).get("line").asInt()).isEqualTo(7);
        assertThat(errors.get(0).get("kind").asString()).isEqualTo("rejected");
        assertThat(errors.get(0).get("message").asString())
                .isEqualTo("HTTP 400: the input length exceeds the context length");
        assertThat(errors.get(0).get("attempts").asInt()).isEqualTo(2);
        // The load, batch 1, batch 2 refused, its four records alone, batch 3.
        assertThat(simulator.stats().embedRequests()).isEqualTo(1 + 1 + 1 + 4 + 1);
        assertThat(simulator.stats().embedInputs()).isEqualTo(4 + 4 + 4 + 2);
        assertThat(output.get(4).get("embedding")).isEqualTo(embedding(MINILM, "record 5", 0));
    }

    @Test
    void aBadRecordInABatchFailsAloneWithoutBeingSentAndTheOthersGoInOneRequest() {
        job.write("in.jsonl", """
                {"n": 1, "text": "one"}
                {"n": 2}
                {"n": 3, "text": "three"}
                {"n": 4, "text": " "}
                {"n": 5, "text": "five"}
                """);
        job.write("job.yaml", embedJob("batch-size: 5\n").replace("in.csv", "in.jsonl"));

        assertThat(job.run("run", "job.yaml")).as(job.err).isEqualTo(3);

        assertThat(job.jsonLines("out/vectors.jsonl"))
                .extracting(r -> r.get("id").asString() + " batch "
                        + r.get("batch").asInt() + " of " + r.get("batch_size").asInt())
                .containsExactly("1 batch 1 of 3", "3 batch 1 of 3", "5 batch 1 of 3");
        assertThat(job.jsonLines("out/vectors.errors.jsonl"))
                .extracting(r -> r.get("id").asString() + " " + r.get("kind").asString() + ": "
                        + r.get("message").asString() + " (" + r.get("attempts").asInt() + " attempts)")
                .containsExactly(
                        "2 bad-record: missing field 'text' (0 attempts)",
                        "4 bad-record: the prompt renders empty (0 attempts)");
        assertThat(simulator.stats().embedRequests()).isEqualTo(1 + 1);
        assertThat(simulator.stats().embedInputs()).isEqualTo(3);
    }

    @Test
    void aBatchAnsweredWithTooFewVectorsIsRetriedAndThenFailsForEachOfItsRecords() {
        job.numberedRecords("in.csv", 6);
        job.write(
                "job.yaml",
                embedJob("batch-size: 2\nretry: {max-attempts: 3, initial-backoff: 1ms, max-backoff: 1ms}\n"));
        // The embedding counterpart of an unfinished answer: a 200 without a vector per input.
        simulator.faults().failWhen(r -> r.prompt().equals("record 3\nrecord 4"), Fault.NOT_DONE);

        assertThat(job.run("run", "job.yaml")).as(job.err).isEqualTo(3);

        assertThat(job.jsonLines("out/vectors.jsonl"))
                .extracting(r -> r.get("id").asString())
                .containsExactly("1", "2", "5", "6");
        assertThat(job.jsonLines("out/vectors.errors.jsonl"))
                .extracting(r -> r.get("id").asString() + " " + r.get("kind").asString() + ": "
                        + r.get("message").asString() + " (" + r.get("attempts").asInt() + " attempts)")
                .containsExactly(
                        "3 retries-exhausted: the answer has 0 embeddings for 2 inputs (3 attempts) (3 attempts)",
                        "4 retries-exhausted: the answer has 0 embeddings for 2 inputs (3 attempts) (3 attempts)");
        assertThat(simulator.stats().embedRequests()).isEqualTo(1 + 1 + 3 + 1);
    }

    @Test
    void theExampleJobEmbedsEveryArticleWithTheBuiltInSimulator() throws IOException {
        Files.createDirectories(dir.resolve("jobs"));
        Files.copy(Path.of("jobs/embed-articles.yaml"), dir.resolve("jobs/embed-articles.yaml"));
        Files.createDirectories(dir.resolve("input"));
        Files.copy(Path.of("input/articles.jsonl"), dir.resolve("input/articles.jsonl"));

        assertThat(job.runAsIs("run", "jobs/embed-articles.yaml", "--simulator", "--db", "state/db"))
                .as(job.err)
                .isZero();

        List<JsonNode> output = job.jsonLines("output/embed-articles.jsonl");
        assertThat(output)
                .extracting(r -> r.get("id").asString())
                .containsExactlyElementsOf(IntStream.rangeClosed(1, 40)
                        .mapToObj(n -> String.format("a-2026-11-20-%03d", n))
                        .toList());
        assertThat(output).extracting(r -> r.get("dimensions").asInt()).containsOnly(384);
        assertThat(output)
                .extracting(r ->
                        r.get("batch").asInt() + " of " + r.get("batch_size").asInt())
                .containsExactlyElementsOf(IntStream.range(0, 40)
                        .mapToObj(i -> (i / 16 + 1) + " of " + (i < 32 ? 16 : 8))
                        .toList());
        assertThat(output.get(0).get("input").propertyNames()).containsExactly("title", "published");
    }

    private static String embedJob(String more) {
        return """
                name: vectors
                endpoint: embed
                input: in.csv
                id-field: n
                model: all-minilm
                prompt: "{{text}}"
                output: out/vectors.jsonl
                """ + more;
    }

    /** The batch number of each record, for batches of these sizes. */
    private static List<Integer> batches(List<Integer> sizes) {
        List<Integer> numbers = new ArrayList<>();
        for (int b = 0; b < sizes.size(); b++) {
            numbers.addAll(Collections.nCopies(sizes.get(b), b + 1));
        }
        return numbers;
    }

    /** One value per batch, repeated for each record of it. */
    private static List<Integer> sizes(List<Integer> perBatch) {
        List<Integer> values = new ArrayList<>();
        List<Integer> sizes = List.of(8, 8, 4);
        for (int b = 0; b < perBatch.size(); b++) {
            values.addAll(Collections.nCopies(sizes.get(b), perBatch.get(b)));
        }
        return values;
    }

    /** What the server answers for this input alone: the vector an embed job must write for it. */
    private JsonNode embedding(String model, String input, int dimensions) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        body.put("input", List.of(input));
        if (dimensions > 0) {
            body.put("dimensions", dimensions);
        }
        try {
            HttpResponse<String> response = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(job.server.resolve("/api/embed"))
                                    .POST(HttpRequest.BodyPublishers.ofString(JobFixture.JSON.writeValueAsString(body)))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return JobFixture.JSON.readTree(response.body()).get("embeddings").get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

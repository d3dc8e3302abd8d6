package dev.promptbatch.simulator;

import static dev.promptbatch.simulator.SimulatorClient.JSON;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code POST /api/embed} over real HTTP: deterministic unit vectors, Ollama's fields, limits and errors. */
class SimulatorEmbedTest {

    private static final String MINILM = "all-minilm";
    private static final String NOMIC = "nomic-embed-text:v1.5";
    private static final String LLAMA = "llama3.2:3b";

    private OllamaSimulator simulator;
    private SimulatorClient client;

    @BeforeEach
    void start() throws Exception {
        simulator = OllamaSimulator.start(SimulatorTestSettings.instant()
                .withModels(List.of(MINILM, NOMIC, LLAMA))
                .withMaxLoadedModels(3));
        client = new SimulatorClient(simulator);
    }

    @AfterEach
    void stop() {
        simulator.close();
    }

    private static ObjectNode embed(String model, String... inputs) {
        ObjectNode body = JSON.createObjectNode().put("model", model);
        inputs(body, inputs);
        return body;
    }

    private static void inputs(ObjectNode body, String... inputs) {
        var list = body.putArray("input");
        for (String input : inputs) {
            list.add(input);
        }
    }

    private JsonNode answer(JsonNode body) throws Exception {
        HttpResponse<String> response = client.post("/api/embed", body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private void assertError(JsonNode body, int status, String message) throws Exception {
        HttpResponse<String> response = client.post("/api/embed", body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(JSON.readTree(response.body()).get("error").stringValue()).isEqualTo(message);
    }

    private static double[] vector(JsonNode embedding) {
        double[] values = new double[embedding.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = embedding.get(i).doubleValue();
        }
        return values;
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    @Test
    void answersOneUnitVectorPerInputInOrderWithOllamasStatistics() throws Exception {
        JsonNode answer = answer(embed(MINILM, "red apples", "a green pear on the table"));

        assertThat(answer.get("model").stringValue()).isEqualTo(MINILM);
        JsonNode embeddings = answer.get("embeddings");
        assertThat(embeddings).hasSize(2);
        for (JsonNode embedding : embeddings) {
            double[] vector = vector(embedding);
            assertThat(vector).hasSize(384);
            assertThat(dot(vector, vector)).isCloseTo(1, within(1e-5));
        }
        // A token per word, plus the two special tokens of each input.
        assertThat(answer.get("prompt_eval_count").intValue()).isEqualTo(4 + 8);
        assertThat(answer.get("total_duration").longValue()).isPositive();
        assertThat(answer.get("load_duration").longValue())
                .isPositive()
                .isLessThanOrEqualTo(answer.get("total_duration").longValue());
        assertThat(answer.has("eval_count")).isFalse();
        assertThat(simulator.stats().embedRequests()).isEqualTo(1);
        assertThat(simulator.stats().embedInputs()).isEqualTo(2);
        JsonNode stats = JSON.readTree(client.get("/_simulator/stats").body());
        assertThat(stats.get("embedRequests").intValue()).isEqualTo(1);
        assertThat(stats.get("embedInputs").intValue()).isEqualTo(2);
        assertThat(stats.get("chatRequests").intValue()).isZero();
        assertThat(stats.get("generateRequests").intValue()).isZero();
    }

    @Test
    void vectorsDependOnlyOnTheModelAndTheInput() throws Exception {
        JsonNode alone = answer(embed(MINILM, "red apples")).get("embeddings").get(0);
        JsonNode inBatch = answer(embed(MINILM, "green pears", "red apples"))
                .get("embeddings")
                .get(1);
        ObjectNode single = JSON.createObjectNode().put("model", MINILM).put("input", "red apples");
        JsonNode asString = answer(single).get("embeddings").get(0);
        JsonNode otherInput =
                answer(embed(MINILM, "red apple")).get("embeddings").get(0);
        JsonNode otherModel =
                answer(embed(NOMIC, "red apples")).get("embeddings").get(0);

        assertThat(inBatch).isEqualTo(alone);
        assertThat(asString).isEqualTo(alone);
        assertThat(dot(vector(otherInput), vector(alone))).isLessThan(0.5);
        assertThat(otherModel).hasSize(768);
    }

    @Test
    void dimensionsCutsTheVectorAndNormalisesItAgainAndIsIgnoredWhenTooLarge() throws Exception {
        JsonNode full = answer(embed(MINILM, "red apples")).get("embeddings").get(0);
        JsonNode cut = answer(embed(MINILM, "red apples").put("dimensions", 64))
                .get("embeddings")
                .get(0);
        JsonNode tooLarge = answer(embed(MINILM, "red apples").put("dimensions", 4096))
                .get("embeddings")
                .get(0);

        double[] shortened = vector(cut);
        assertThat(shortened).hasSize(64);
        assertThat(dot(shortened, shortened)).isCloseTo(1, within(1e-5));
        double ratio = shortened[0] / full.get(0).doubleValue();
        for (int i = 1; i < 64; i++) {
            assertThat(shortened[i] / full.get(i).doubleValue()).isCloseTo(ratio, within(1e-3));
        }
        assertThat(tooLarge).isEqualTo(full);
    }

    @Test
    void anOverlongInputIsCutUnlessTruncateIsFalse() throws Exception {
        String overlong = "word ".repeat(600).strip(); // all-minilm: 512 tokens of context, 2 of them special
        String fits = "word ".repeat(510).strip();

        JsonNode truncated = answer(embed(MINILM, overlong));

        assertThat(truncated.get("prompt_eval_count").intValue()).isEqualTo(512);
        assertThat(truncated.get("embeddings").get(0))
                .isEqualTo(answer(embed(MINILM, fits)).get("embeddings").get(0));
        assertError(
                embed(MINILM, "short", overlong).put("truncate", false),
                400,
                "the input length exceeds the context length");
        assertThat(answer(embed(MINILM, fits).put("truncate", false)).get("embeddings"))
                .hasSize(1);
    }

    @Test
    void numCtxLowersTheLimit() throws Exception {
        ObjectNode request = embed(NOMIC, "word ".repeat(100).strip()).put("truncate", false);
        request.putObject("options").put("num_ctx", 64);

        assertError(request, 400, "the input length exceeds the context length");
    }

    @Test
    void noInputOnlyLoadsTheModel() throws Exception {
        JsonNode answer = answer(JSON.createObjectNode().put("model", MINILM).put("input", ""));

        assertThat(answer.get("embeddings")).isEmpty();
        assertThat(answer.has("total_duration")).isFalse();
        assertThat(simulator.stats().loads()).containsEntry("all-minilm:latest", 1);
    }

    @Test
    void requestMistakesGetOllamasErrors() throws Exception {
        assertError(embed("", "x"), 404, "model '' not found");
        assertError(
                embed("mxbai-embed-large", "x"), 404, "model \"mxbai-embed-large\" not found, try pulling it first");
        assertError(JSON.createObjectNode().put("model", MINILM).put("input", 3), 400, "invalid input type");
        ObjectNode mixed = JSON.createObjectNode().put("model", MINILM);
        mixed.putArray("input").add("a").add(1);
        assertError(mixed, 400, "invalid input type");
        assertError(
                embed(MINILM, "x").put("truncate", "no"),
                400,
                "json: cannot unmarshal string into Go struct field EmbedRequest.truncate of type bool");
        assertError(
                embed(LLAMA, "x"),
                501,
                "{\"error\":{\"code\":501,\"message\":\"This server does not support embeddings. Start it with "
                        + "`--embeddings`\",\"type\":\"not_supported_error\"}}");
    }

    @Test
    void showDescribesAnEmbeddingModel() throws Exception {
        JsonNode show =
                JSON.readTree(client.post("/api/show", JSON.createObjectNode().put("model", MINILM))
                        .body());

        assertThat(show.get("capabilities"))
                .containsExactly(JSON.getNodeFactory().stringNode("embedding"));
        assertThat(show.get("details").get("family").stringValue()).isEqualTo("bert");
        assertThat(show.get("details").get("parameter_size").stringValue()).isEqualTo("23M");
        assertThat(show.get("model_info").get("bert.context_length").intValue()).isEqualTo(512);
        assertThat(show.get("model_info").get("bert.embedding_length").intValue())
                .isEqualTo(384);
    }

    @Test
    void faultsApplyToEmbedRequests() throws Exception {
        simulator.faults().failWhen(request -> request.prompt().equals("busy"), Fault.SERVICE_UNAVAILABLE);
        simulator.faults().failWhen(request -> request.prompt().equals("crash"), Fault.INTERNAL_ERROR);
        simulator.faults().failWhen(request -> request.prompt().equals("drop"), Fault.DROP_CONNECTION);
        simulator.faults().failWhen(request -> request.prompt().equals("a\nb"), Fault.NOT_DONE);

        assertError(embed(MINILM, "busy"), 503, "server busy, please try again.  maximum pending requests exceeded");
        assertError(
                embed(MINILM, "crash"),
                500,
                "model runner has unexpectedly stopped, this may be due to resource limitations or an internal "
                        + "error, check ollama server logs for details");
        assertThatThrownBy(() -> client.post("/api/embed", embed(MINILM, "drop")))
                .isInstanceOf(IOException.class);
        assertThat(answer(embed(MINILM, "a", "b")).get("embeddings")).isEmpty();
        assertThat(answer(embed(MINILM, "fine")).get("embeddings")).hasSize(1);
        assertThat(simulator.stats().unansweredForPrompt("busy")).isEqualTo(1);
        assertThat(simulator.stats().unansweredForPrompt("drop")).isEqualTo(1);
        assertThat(simulator.stats().embedRequests()).isEqualTo(5);
    }

    @Test
    void faultRatesApplyToEmbedRequestsToo() throws Exception {
        simulator.faults().rate(Fault.BAD_GATEWAY, 1);

        HttpResponse<String> response = client.post("/api/embed", embed(MINILM, "anything"));

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).contains("502 Bad Gateway");
    }
}

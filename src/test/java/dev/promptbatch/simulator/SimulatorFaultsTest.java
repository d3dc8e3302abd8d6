package dev.promptbatch.simulator;

import static dev.promptbatch.simulator.SimulatorClient.JSON;
import static dev.promptbatch.simulator.SimulatorClient.generate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Every fault as a Java HttpClient sees it, and how rules and rates pick the faulted requests. */
class SimulatorFaultsTest {

    private static final String MODEL = "llama3.2:3b";

    private OllamaSimulator simulator;
    private SimulatorClient client;

    @BeforeEach
    void start() throws Exception {
        simulator = OllamaSimulator.start(
                SimulatorTestSettings.instant().withMedianTokens(20).withLengthSigma(0));
        client = new SimulatorClient(simulator);
    }

    @AfterEach
    void stop() {
        simulator.close();
    }

    private void failPrompt(String prompt, Fault fault) {
        simulator.faults().failWhen(request -> request.prompt().equals(prompt), fault);
    }

    @Test
    void serviceUnavailableIsOllamasFullQueue503() throws Exception {
        failPrompt("busy", Fault.SERVICE_UNAVAILABLE);

        HttpResponse<String> response = client.post("/api/generate", generate(MODEL, "busy"));

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body())
                .isEqualTo("{\"error\":\"server busy, please try again.  maximum pending requests exceeded\"}");
    }

    @Test
    void internalErrorIsTheStoppedRunner500() throws Exception {
        failPrompt("crash", Fault.INTERNAL_ERROR);

        HttpResponse<String> response = client.post("/api/generate", generate(MODEL, "crash"));

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body())
                .isEqualTo("{\"error\":\"model runner has unexpectedly stopped, this may be due "
                        + "to resource limitations or an internal error, check ollama server logs for details\"}");
    }

    @Test
    void droppedConnectionGivesTheClientAnIOExceptionAndTheServerGoesOn() throws Exception {
        failPrompt("drop", Fault.DROP_CONNECTION);

        assertThatThrownBy(() -> client.post("/api/generate", generate(MODEL, "drop")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("received no bytes");
        assertThat(client.answer(generate(MODEL, "fine")).get("done").booleanValue())
                .isTrue();
    }

    @Test
    void truncatedBodyGivesTheClientAnIOException() throws Exception {
        failPrompt("cut", Fault.TRUNCATED_BODY);

        assertThatThrownBy(() -> client.post("/api/generate", generate(MODEL, "cut")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("fixed content-length");
        assertThat(client.answer(generate(MODEL, "fine")).get("done").booleanValue())
                .isTrue();
    }

    @Test
    void truncatedStreamGivesTheClientAnIOException() {
        failPrompt("cut", Fault.TRUNCATED_BODY);
        ObjectNode streaming = generate(MODEL, "cut").put("stream", true);

        assertThatThrownBy(() -> client.post("/api/generate", streaming)).isInstanceOf(IOException.class);
    }

    @Test
    void malformedBodyIsA200ThatIsNotJson() throws Exception {
        failPrompt("garbage", Fault.MALFORMED_BODY);

        HttpResponse<String> response = client.post("/api/generate", generate(MODEL, "garbage"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        assertThat(response.body()).isEqualTo("<html>bad gateway</html>");
        assertThatThrownBy(() -> JSON.readTree(response.body())).isInstanceOf(JacksonException.class);
    }

    @Test
    void notDoneIsA200WithDoneFalseAPartialResponseAndNoMetrics() throws Exception {
        failPrompt("unfinished", Fault.NOT_DONE);

        JsonNode answer = client.answer(generate(MODEL, "unfinished"));

        assertThat(answer.get("done").booleanValue()).isFalse();
        assertThat(answer.get("response").stringValue().split(" ")).hasSize(10); // half of 20 tokens
        assertThat(answer.get("model").stringValue()).isEqualTo(MODEL);
        assertThat(answer.has("created_at")).isTrue();
        assertThat(answer.has("done_reason")).isFalse();
        assertThat(answer.has("eval_count")).isFalse();
        assertThat(answer.has("total_duration")).isFalse();
    }

    @Test
    void notDoneStreamEndsWithoutAFinalChunk() throws Exception {
        failPrompt("unfinished", Fault.NOT_DONE);

        HttpResponse<String> response =
                client.post("/api/generate", generate(MODEL, "unfinished").put("stream", true));

        String[] lines = response.body().split("\n");
        assertThat(lines).hasSize(10);
        for (String line : lines) {
            assertThat(JSON.readTree(line).get("done").booleanValue()).isFalse();
        }
    }

    @Test
    void slowDelaysANormalAnswer() throws Exception {
        failPrompt("slow", Fault.SLOW);
        simulator.faults().slowMillis(300);

        long start = System.nanoTime();
        JsonNode answer = client.answer(generate(MODEL, "slow"));
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(elapsedMillis).isGreaterThanOrEqualTo(300);
        assertThat(answer.get("done").booleanValue()).isTrue();
        assertThat(answer.get("total_duration").longValue()).isGreaterThanOrEqualTo(300_000_000L);
    }

    @Test
    void faultedRequestsCountInTheStats() throws Exception {
        failPrompt("busy", Fault.SERVICE_UNAVAILABLE);
        client.post("/api/generate", generate(MODEL, "busy"));
        client.post("/api/generate", generate(MODEL, "busy"));
        client.answer(generate(MODEL, "fine"));

        SimulatorStats stats = simulator.stats();
        assertThat(stats.generateRequests()).isEqualTo(3);
        assertThat(stats.requestsForPrompt("busy")).isEqualTo(2);
        assertThat(stats.requestsByPrompt()).containsOnlyKeys("busy", "fine");
        assertThat(stats.inFlight()).isZero();
    }

    @Test
    void ruleMatchesOnEveryFieldOfTheRequestAndTheFirstMatchingRuleWins() throws Exception {
        simulator.faults().failWhen(r -> r.system().equals("strict"), Fault.INTERNAL_ERROR);
        simulator.faults().failWhen(r -> Integer.valueOf(7).equals(r.options().get("seed")), Fault.SERVICE_UNAVAILABLE);
        simulator.faults().failWhen(r -> r.prompt().startsWith("x"), Fault.MALFORMED_BODY);

        ObjectNode strictAndSeven = generate(MODEL, "x").put("system", "strict");
        strictAndSeven.putObject("options").put("seed", 7);
        ObjectNode seven = generate(MODEL, "x");
        seven.putObject("options").put("seed", 7);

        assertThat(client.post("/api/generate", strictAndSeven).statusCode()).isEqualTo(500);
        assertThat(client.post("/api/generate", seven).statusCode()).isEqualTo(503);
        assertThat(client.post("/api/generate", generate(MODEL, "x")).body()).isEqualTo("<html>bad gateway</html>");
        assertThat(client.post("/api/generate", generate(MODEL, "y")).statusCode())
                .isEqualTo(200);
    }

    @Test
    void rulesComeBeforeRates() throws Exception {
        simulator.faults().rate(Fault.SERVICE_UNAVAILABLE, 1.0);
        failPrompt("boom", Fault.INTERNAL_ERROR);

        assertThat(client.post("/api/generate", generate(MODEL, "boom")).statusCode())
                .isEqualTo(500);
        assertThat(client.post("/api/generate", generate(MODEL, "other")).statusCode())
                .isEqualTo(503);
    }

    @Test
    void seededRatesRepeatTheSameSequence() throws Exception {
        simulator.faults().rate(Fault.SERVICE_UNAVAILABLE, 0.3);
        simulator.faults().rate(Fault.INTERNAL_ERROR, 0.2);

        simulator.faults().seed(7);
        List<Integer> first = statuses(40);
        simulator.faults().seed(7);
        List<Integer> again = statuses(40);

        assertThat(again).isEqualTo(first);
        assertThat(first).contains(200, 500, 503).containsOnly(200, 500, 503);
    }

    @Test
    void clearRemovesRulesAndRates() throws Exception {
        simulator.faults().rate(Fault.SERVICE_UNAVAILABLE, 1.0);
        failPrompt("boom", Fault.INTERNAL_ERROR);
        simulator.faults().clear();

        assertThat(client.post("/api/generate", generate(MODEL, "boom")).statusCode())
                .isEqualTo(200);
        assertThat(simulator.faults().rates()).isEmpty();
    }

    @Test
    void loadRequestsAndInvalidRequestsAreNeverFaulted() throws Exception {
        simulator.faults().rate(Fault.DROP_CONNECTION, 1.0);

        assertThat(client.answer(JSON.createObjectNode().put("model", MODEL))
                        .get("done_reason")
                        .stringValue())
                .isEqualTo("load");
        assertThat(client.post("/api/generate", generate("missing:1b", "hi")).statusCode())
                .isEqualTo(404);
    }

    @Test
    void ratesMustBeProbabilitiesAddingUpToAtMostOne() {
        SimulatorFaults faults = simulator.faults();
        faults.rate(Fault.SLOW, 0.6);

        assertThatThrownBy(() -> faults.rate(Fault.NOT_DONE, 0.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> faults.rate(Fault.NOT_DONE, -0.1)).isInstanceOf(IllegalArgumentException.class);
        faults.rate(Fault.SLOW, 0);
        faults.rate(Fault.NOT_DONE, 0.5);
        assertThat(faults.rates()).containsOnlyKeys(Fault.NOT_DONE);
    }

    private List<Integer> statuses(int count) throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            statuses.add(client.post("/api/generate", generate(MODEL, "p" + i)).statusCode());
        }
        return statuses;
    }
}

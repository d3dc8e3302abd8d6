package dev.promptbatch.simulator;

import static dev.promptbatch.simulator.SimulatorClient.generate;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

/** The behaviours of other real servers that the simulator reproduces when asked to. */
class ServerQuirksTest {
    private static final String MODEL = "llama3.2:3b";

    private OllamaSimulator simulator;

    @AfterEach
    void stop() {
        if (simulator != null) {
            simulator.close();
        }
    }

    @Test
    void closingConnectionsAnswerInFullWithoutAConnectionHeaderAndThenClose() throws IOException {
        start(ServerQuirks.none().withClosesConnections(true));
        String body = "{\"model\":\"" + MODEL + "\",\"prompt\":\"hi\",\"stream\":false}";

        try (Socket socket = new Socket(simulator.baseUrl().getHost(), simulator.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/generate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                            + "Content-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8); // ends only when it closes

            assertThat(response)
                    .startsWith("HTTP/1.1 200 OK\r\n")
                    .containsIgnoringCase("content-length: ")
                    .doesNotContainIgnoringCase("connection:");
            String answer = response.substring(response.indexOf("\r\n\r\n") + 4);
            assertThat(SimulatorClient.JSON.readTree(answer).get("done").asBoolean())
                    .isTrue();
        }
        assertThat(simulator.closedConnections()).isOne();
    }

    @Test
    void aPooledConnectionThatWasClosedFailsTheNextRequestOnItBeforeAnyByte() throws Exception {
        start(ServerQuirks.none().withClosesConnections(true));
        SimulatorClient client = new SimulatorClient(simulator);
        int failed = 0;
        for (int i = 0; i < 100; i++) {
            try {
                client.answer(generate(MODEL, "prompt " + i));
            } catch (IOException e) {
                assertThat(e).hasMessageContaining("received no bytes");
                failed++;
            }
        }
        // This is what a client that pools connections meets on such a server: some requests fail at once.
        assertThat(failed).isPositive();
    }

    @Test
    void beyondTheQueueTheServerAnswersBusyAtOnce() throws Exception {
        simulator = OllamaSimulator.start(SimulatorTestSettings.instant()
                .withParallel(1)
                .withTokensPerSecond(50)
                .withMedianTokens(20)
                .withLengthSigma(0)
                .withQuirks(ServerQuirks.none().withMaxQueue(1)));
        SimulatorClient client = new SimulatorClient(simulator);
        client.answer(generate(MODEL, "")); // loaded, so the three below meet only the slot and the queue

        List<CompletableFuture<HttpResponse<String>>> requests =
                List.of(client.postAsync("/api/generate", generate(MODEL, "first")));
        awaitGenerating();
        CompletableFuture<HttpResponse<String>> queued = client.postAsync("/api/generate", generate(MODEL, "second"));
        awaitWaitingForSlot();
        HttpResponse<String> refused = client.post("/api/generate", generate(MODEL, "third"));

        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.body())
                .isEqualTo("{\"error\":\"server busy, please try again.  maximum pending requests exceeded\"}");
        assertThat(requests.get(0).get().statusCode()).isEqualTo(200);
        assertThat(queued.get().statusCode()).isEqualTo(200);
        assertThat(simulator.stats().busyAnswers()).isOne();
        assertThat(simulator.stats().unansweredForPrompt("third")).isOne();
    }

    @Test
    void durationsOfOneNanosecondReplaceEveryDurationAndKeepTheCounts() throws Exception {
        start(ServerQuirks.none().withDurationsOfOneNs(true));
        JsonNode answer = new SimulatorClient(simulator).answer(generate(MODEL, "hello"));

        for (String duration : List.of("total_duration", "load_duration", "prompt_eval_duration", "eval_duration")) {
            assertThat(answer.get(duration).asLong()).as(duration).isOne();
        }
        assertThat(answer.get("eval_count").asInt()).isGreaterThan(1);
    }

    @Test
    void aServerThatListsModelsUnderItsOwnNameAndHasNoShowOrVersion() throws Exception {
        start(ServerQuirks.koboldCpp().withClosesConnections(false));
        SimulatorClient client = new SimulatorClient(simulator);

        JsonNode tags = SimulatorClient.JSON.readTree(client.get("/api/tags").body());
        assertThat(tags.get("models")).singleElement().satisfies(model -> {
            assertThat(model.get("name").asString()).isEqualTo("koboldcpp");
            assertThat(model.get("model").asString()).isEqualTo(MODEL);
        });
        assertThat(client.post("/api/show", "{\"model\":\"" + MODEL + "\"}").statusCode())
                .isEqualTo(404);
        assertThat(client.get("/api/version").statusCode()).isEqualTo(200);
        simulator.close();
        start(ServerQuirks.none().withNoVersion(true));
        HttpResponse<String> version = new SimulatorClient(simulator).get("/api/version");
        assertThat(version.statusCode()).isEqualTo(404);
        assertThat(version.body()).isEmpty();
    }

    private void start(ServerQuirks quirks) throws IOException {
        simulator = OllamaSimulator.start(
                SimulatorTestSettings.instant().withModels(List.of(MODEL)).withQuirks(quirks));
    }

    private void awaitGenerating() throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (simulator.stats().maxGenerating() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
    }

    private void awaitWaitingForSlot() throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (simulator.stats().waitingForSlot() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
    }
}

package dev.promptbatch.simulator;

import static dev.promptbatch.simulator.SimulatorClient.JSON;
import static dev.promptbatch.simulator.SimulatorClient.generate;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

/** Slots, the queue, and model loading and unloading, as in Ollama's scheduler. */
class SimulatorSchedulingTest {

    private static final String A = "llama3.2:3b";
    private static final String B = "qwen2.5:7b";

    @Test
    void requestsBeyondTheSlotsWaitInTheQueue() throws Exception {
        // 10 tokens at 50 tokens/s: every generation holds its slot for 200 ms.
        SimulatorSettings settings = SimulatorTestSettings.instant()
                .withParallel(2)
                .withTokensPerSecond(50)
                .withMedianTokens(10)
                .withLengthSigma(0);
        try (OllamaSimulator simulator = OllamaSimulator.start(settings)) {
            SimulatorClient client = new SimulatorClient(simulator);
            client.answer(JSON.createObjectNode().put("model", A)); // load first, so timing is only generation
            simulator.stats().reset();

            long start = System.nanoTime();
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                answers.add(client.postAsync("/api/generate", generate(A, "prompt " + i)));
            }
            for (CompletableFuture<HttpResponse<String>> answer : answers) {
                assertThat(answer.get().statusCode()).isEqualTo(200);
            }
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

            SimulatorStats stats = simulator.stats();
            assertThat(stats.maxInFlight()).isEqualTo(6);
            assertThat(stats.maxGenerating()).isEqualTo(2);
            assertThat(stats.inFlight()).isZero();
            // At most two at a time (above), so at least three rounds of 200 ms; each generation holds its slot
            // for its 200 ms at least. Upper bounds would measure the machine, not the simulator.
            assertThat(elapsedMillis).isGreaterThanOrEqualTo(590L);
            assertThat(stats.slotBusyNanos()).isGreaterThanOrEqualTo(1_190_000_000L);
        }
    }

    @Test
    void aWarmModelQueuesAnyNumberOfRequestsWithoutRefusingThem() throws Exception {
        // 10 tokens at 2000 tokens/s: 5 ms per request, one at a time, so 100 requests pile up.
        SimulatorSettings settings = SimulatorTestSettings.instant()
                .withParallel(1)
                .withTokensPerSecond(2000)
                .withMedianTokens(10)
                .withLengthSigma(0);
        try (OllamaSimulator simulator = OllamaSimulator.start(settings)) {
            SimulatorClient client = new SimulatorClient(simulator);
            client.answer(JSON.createObjectNode().put("model", A));
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                answers.add(client.postAsync("/api/generate", generate(A, "prompt " + i)));
            }
            for (CompletableFuture<HttpResponse<String>> answer : answers) {
                assertThat(answer.get().statusCode()).isEqualTo(200);
            }

            assertThat(simulator.stats().maxGenerating()).isEqualTo(1);
            assertThat(simulator.stats().maxInFlight()).isGreaterThan(10);
            assertThat(simulator.stats().requestsByPrompt()).hasSize(100);
        }
    }

    @Test
    void switchingModelsUnloadsTheLeastRecentlyUsedOne() throws Exception {
        SimulatorSettings settings =
                SimulatorTestSettings.instant().withModels(List.of(A, B)).withMaxLoadedModels(1);
        try (OllamaSimulator simulator = OllamaSimulator.start(settings)) {
            SimulatorClient client = new SimulatorClient(simulator);
            for (String model : List.of(A, A, B, A)) {
                client.answer(generate(model, "hello"));
            }

            assertThat(simulator.stats().loads()).isEqualTo(Map.of(A, 2, B, 1));
        }
    }

    @Test
    void modelsStayLoadedUpToTheLimit() throws Exception {
        SimulatorSettings settings =
                SimulatorTestSettings.instant().withModels(List.of(A, B)).withMaxLoadedModels(2);
        try (OllamaSimulator simulator = OllamaSimulator.start(settings)) {
            SimulatorClient client = new SimulatorClient(simulator);
            for (String model : List.of(A, B, A, B)) {
                client.answer(generate(model, "hello"));
            }

            assertThat(simulator.stats().loads()).isEqualTo(Map.of(A, 1, B, 1));
        }
    }

    @Test
    void coldRequestsPayTheLoadAndShareIt() throws Exception {
        try (OllamaSimulator simulator =
                OllamaSimulator.start(SimulatorTestSettings.instant().withLoadMillis(1000))) {
            SimulatorClient client = new SimulatorClient(simulator);
            List<CompletableFuture<HttpResponse<String>>> cold = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                cold.add(client.postAsync("/api/generate", generate(A, "cold " + i)));
            }
            List<Long> coldLoads = new ArrayList<>();
            for (CompletableFuture<HttpResponse<String>> answer : cold) {
                coldLoads.add(
                        JSON.readTree(answer.get().body()).get("load_duration").longValue());
            }
            JsonNode warm = client.answer(generate(A, "warm"));

            assertThat(simulator.stats().loads()).isEqualTo(Map.of(A, 1));
            // A request that arrives while the load is under way waits for what is left of it.
            assertThat(coldLoads).allSatisfy(load -> assertThat(load).isGreaterThanOrEqualTo(750_000_000L));
            // A warm request pays no load: far less than one, however busy the machine.
            assertThat(warm.get("load_duration").longValue()).isBetween(1L, 999_999_999L);
            assertThat(warm.get("total_duration").longValue()).isLessThan(1_000_000_000L);
        }
    }

    @Test
    void keepAliveZeroUnloadsAfterTheRequest() throws Exception {
        try (OllamaSimulator simulator = OllamaSimulator.start(SimulatorTestSettings.instant())) {
            SimulatorClient client = new SimulatorClient(simulator);
            client.answer(generate(A, "first").put("keep_alive", 0));
            client.answer(generate(A, "second").put("keep_alive", "10m"));
            client.answer(generate(A, "third"));

            assertThat(simulator.stats().loads()).isEqualTo(Map.of(A, 2));
        }
    }

    @Test
    void aModelSwitchWaitsForTheRequestsOfTheUnloadedModel() throws Exception {
        SimulatorSettings settings = SimulatorTestSettings.instant()
                .withModels(List.of(A, B))
                .withMaxLoadedModels(1)
                .withTokensPerSecond(50)
                .withMedianTokens(10)
                .withLengthSigma(0);
        try (OllamaSimulator simulator = OllamaSimulator.start(settings)) {
            SimulatorClient client = new SimulatorClient(simulator);
            client.answer(JSON.createObjectNode().put("model", A));

            CompletableFuture<Long> first =
                    client.postAsync("/api/generate", generate(A, "long")).thenApply(response -> System.nanoTime());
            while (simulator.stats().maxGenerating() == 0) {
                Thread.sleep(1); // until A's request holds its slot, for 200 ms
            }
            JsonNode switched = client.answer(generate(B, "switch"));
            long switchedAt = System.nanoTime();

            assertThat(first.get()).isLessThan(switchedAt);
            // B waited for A's generation before loading: its total includes most of A's 200 ms.
            assertThat(switched.get("load_duration").longValue()).isGreaterThan(100_000_000L);
            assertThat(simulator.stats().loads()).isEqualTo(Map.of(A, 1, B, 1));
        }
    }
}

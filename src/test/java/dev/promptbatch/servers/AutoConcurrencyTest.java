package dev.promptbatch.servers;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.promptbatch.cli.LogCapture;
import dev.promptbatch.ollama.GenerateRequest;
import dev.promptbatch.ollama.ServerAddress;
import dev.promptbatch.outcome.GenerateResponse;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/**
 * {@code concurrency: auto} over real HTTP: as many callers as the ceiling send requests through the pool to a
 * simulator with a given number of slots, as a run's workers do, until the tuner settles. It must settle at the slot
 * count, within one slot, or at twice as many when those give no more throughput (the simulator's slots each
 * generate at the same speed, and it queues the rest, as Ollama does).
 */
class AutoConcurrencyTest {
    private static final String MODEL = "llama3.2:3b";
    /** The least gain in throughput, as a factor, that makes a level worth twice the requests in flight. */
    private static final double GAIN = 1 + ConcurrencyTuner.GAIN_PERCENT / 100.0;

    @ParameterizedTest
    @ValueSource(ints = {1, 4, 8})
    void settlesAtTheServersSlotCount(int slots) throws Exception {
        try (OllamaSimulator simulator = OllamaSimulator.start(SimulatorTestSettings.instant()
                        .withModels(List.of(MODEL))
                        .withParallel(slots)
                        .withTokensPerSecond(1000)
                        .withMedianTokens(100));
                LogCapture log = new LogCapture()) {
            ServerTarget target = new ServerTarget(
                    ServerAddress.resolve(simulator.baseUrl().toString(), null, Map.of()),
                    ServerTarget.AUTO_CEILING,
                    true);
            ServerPool pool = ServerPool.of(
                    List.of(target),
                    Duration.ofSeconds(30),
                    Duration.ofSeconds(30),
                    Duration.ofSeconds(2),
                    Duration.ofSeconds(30),
                    Ticker.SYSTEM);
            PooledServer server = pool.servers().get(0);

            sendUntilSettled(pool, server.tuner());

            int settled = server.concurrencyInUse();
            Map<Integer, Double> judged = server.tuner().judged();
            assertThat(settled).isIn(acceptable(slots));
            if (settled == 2 * slots && settled > slots + 1) {
                // Twice the slots, beyond one slot more, is only acceptable when it gave no more throughput than the
                // slot count.
                assertThat(judged.get(2 * slots)).isLessThan(judged.get(slots) * GAIN);
            }
            assertThat(simulator.stats().maxInFlight()).isLessThanOrEqualTo(ServerTarget.AUTO_CEILING);
            assertThat(settled).isLessThan(ServerTarget.AUTO_CEILING);
            // It settled because twice as many in flight gave less than 20 % more, as the log says with the figures.
            assertThat(judged).containsKeys(settled, 2 * settled);
            assertThat(judged.get(2 * settled)).isLessThan(judged.get(settled) * GAIN);
            assertThat(log.text())
                    .containsOnlyOnce("INFO Concurrency for " + simulator.baseUrl() + " settled at " + settled + " ("
                            + tokensPerSecond(judged.get(settled)) + " tokens/s; " + 2 * settled + " gave "
                            + tokensPerSecond(judged.get(2 * settled)) + " tokens/s)");
        }
    }

    private static String tokensPerSecond(double throughput) {
        return String.format(Locale.ROOT, "%.0f", throughput);
    }

    /** The slot count ± 1 slot, or twice the slot count. */
    private static List<Integer> acceptable(int slots) {
        return List.of(slots - 1, slots, slots + 1, 2 * slots);
    }

    /** Keeps the pool's capacity of callers sending, each taking a slot as a run's worker does. */
    private static void sendUntilSettled(ServerPool pool, ConcurrencyTuner tuner) throws Exception {
        AtomicInteger records = new AtomicInteger();
        ExecutorService callers = Executors.newFixedThreadPool(pool.capacity());
        try {
            List<Future<?>> sending = new ArrayList<>();
            for (int i = 0; i < pool.capacity(); i++) {
                sending.add(callers.submit(() -> {
                    while (!tuner.settled()) {
                        try (Lease lease = pool.acquire(MODEL, Set.of())) {
                            if (tuner.settled()) {
                                break;
                            }
                            long start = System.nanoTime();
                            GenerateResponse response = lease.server()
                                    .client()
                                    .answer(new GenerateRequest(
                                            MODEL,
                                            "record " + records.incrementAndGet(),
                                            null,
                                            Map.of(),
                                            null,
                                            null,
                                            null,
                                            null));
                            lease.answered(System.nanoTime() - start, response.evalCount());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> caller : sending) {
                caller.get(60, TimeUnit.SECONDS);
            }
        } finally {
            callers.shutdownNow();
        }
    }
}

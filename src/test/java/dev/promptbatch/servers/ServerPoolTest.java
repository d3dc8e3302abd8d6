package dev.promptbatch.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.promptbatch.ollama.FailureClass;
import dev.promptbatch.ollama.GenerateRequest;
import dev.promptbatch.ollama.OllamaException;
import dev.promptbatch.ollama.ServerAddress;
import dev.promptbatch.ollama.ServerClient;
import dev.promptbatch.simulator.Fault;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorSettings;
import dev.promptbatch.simulator.SimulatorTestSettings;

/**
 * The pool over real HTTP: failures are real answers of simulators (or a closed port), probes are real
 * {@code GET /api/version} requests, and time is a {@link ManualTicker}, so minutes of outage take none.
 */
class ServerPoolTest {
    private static final String MODEL = "llama3.2:3b";
    private static final Duration PROBE_INTERVAL = Duration.ofSeconds(2);
    private static final Duration MAX_OUTAGE = Duration.ofSeconds(30);
    /** How long a waiting caller sleeps between looks at the servers. */
    private static final Duration WAIT = Duration.ofMillis(100);

    private final ManualTicker ticker = new ManualTicker();
    private final List<OllamaSimulator> simulators = new ArrayList<>();

    @AfterEach
    void stop() {
        simulators.forEach(OllamaSimulator::close);
    }

    @Test
    void failuresOfSingleRequestsNeverPauseTheServer() throws Exception {
        ServerPool pool = pool(1);
        simulators.get(0).faults().failWhen(request -> true, Fault.INTERNAL_ERROR);
        for (int i = 0; i < 10; i++) {
            try (Lease lease = enter(pool)) {
                OllamaException failure = generateFailing(lease);
                assertThat(failure.failureClass()).isEqualTo(FailureClass.TRANSIENT);
                lease.failed(0, failure);
            }
        }
        enter(pool).close();
        assertThat(ticker.sleeps()).isEmpty();
    }

    @Test
    void answersSlowerThanAMinuteAreAnswersAndNeverPauseTheServer() throws Exception {
        ServerPool pool = pool(1);
        for (int i = 0; i < 10; i++) {
            try (Lease lease = enter(pool)) {
                lease.answered(Duration.ofMinutes(5).toNanos());
            }
        }
        enter(pool).close();
        assertThat(ticker.sleeps()).isEmpty();
    }

    @Test
    void whileTheOnlyServerIsAwayRequestsWaitAndAProbeEveryIntervalFindsItBack() throws Exception {
        ServerPool pool = pool(1);
        int port = simulators.get(0).port();
        simulators.get(0).close();
        // Four failures of four requests (the least the breaker judges) pause the server.
        failAway(pool, 4);
        assertThat(ticker.sleeps()).isEmpty();
        ticker.at(Duration.ofSeconds(5), () -> restart(0, port));

        Lease lease = enter(pool);
        // Probes at 2 s and 4 s found nothing; the one at 6 s lets one request through.
        assertThat(ticker.elapsed()).isEqualTo(Duration.ofSeconds(6));
        assertThat(ticker.sleeps()).containsOnly(WAIT);
        lease.answered(0);
        lease.close();
        enter(pool).close();
        assertThat(ticker.elapsed()).isEqualTo(Duration.ofSeconds(6));
    }

    @Test
    void aRequestThatFailsAfterAGoodProbePausesTheServerAgainUntilTheNextProbe() throws Exception {
        ServerPool pool = pool(1);
        simulators.get(0).faults().failWhen(request -> true, Fault.BAD_GATEWAY);
        failAway(pool, 4);
        Lease lease = enter(pool);
        assertThat(ticker.elapsed()).isEqualTo(PROBE_INTERVAL);
        lease.failed(0, generateFailing(lease));
        lease.close();
        enter(pool).close();
        assertThat(ticker.elapsed()).isEqualTo(PROBE_INTERVAL.multipliedBy(2));
    }

    @Test
    void anOutageOfTheOnlyServerLongerThanMaxOutageFailsTheRun() throws Exception {
        ServerPool pool = pool(1);
        simulators.get(0).close();
        failAway(pool, 4);

        GenerationFailedException failed = catchThrowableOfType(GenerationFailedException.class, () -> enter(pool));
        assertThat(failed)
                .hasMessage("the server at " + simulators.get(0).baseUrl() + " has not answered for 30 s, longer "
                        + "than max-outage (30 s)");
        assertThat(ticker.elapsed()).isEqualTo(MAX_OUTAGE.plus(WAIT));
        assertThatThrownBy(() -> enter(pool)).isInstanceOf(GenerationFailedException.class);
    }

    @Test
    void aFreeSlotGoesToTheLeastLoadedServerAndNoServerTakesMoreThanItsBound() throws Exception {
        ServerPool pool = pool(2, 1);
        List<Lease> leases = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            leases.add(enter(pool));
        }
        assertThat(leases).extracting(lease -> lease.server().display()).containsExactly(url(0), url(1), url(0));

        CompletableFuture<Lease> fourth = CompletableFuture.supplyAsync(() -> enterUnchecked(pool));
        assertThat(fourth).isNotDone();
        leases.get(1).close();
        assertThat(fourth.get(5, TimeUnit.SECONDS).server().display()).isEqualTo(url(1));
    }

    @Test
    void aRequestAvoidsTheServersThatFailedItWhileAnotherCanTakeIt() throws Exception {
        ServerPool pool = pool(4, 1);
        PooledServer first = pool.servers().get(0);
        try (Lease lease = pool.acquire(MODEL, Set.of(first))) {
            assertThat(lease.server().display()).isEqualTo(url(1));
        }
        assertThat(pool.hasAlternative(MODEL, Set.of(first))).isTrue();
        assertThat(pool.hasAlternative(MODEL, Set.copyOf(pool.servers()))).isFalse();
        try (Lease lease = pool.acquire(MODEL, Set.copyOf(pool.servers()))) {
            assertThat(lease.server().display()).isEqualTo(url(0));
        }
    }

    @Test
    void aServerThatGoesAwayIsLeftAloneWhileTheOthersTakeEveryRequestUntilAProbeFindsItBack() throws Exception {
        ServerPool pool = pool(1, 1);
        int port = simulators.get(0).port();
        simulators.get(0).close();
        for (int failures = 0; failures < 4; ) {
            try (Lease lease = enter(pool)) {
                if (lease.server().display().equals(url(0))) {
                    lease.failed(0, generateFailing(lease));
                    failures++;
                } else {
                    lease.answered(0);
                }
            }
        }
        assertThat(pool.hasAlternative(MODEL, Set.of())).isTrue();
        for (int i = 0; i < 10; i++) {
            try (Lease lease = enter(pool)) {
                assertThat(lease.server().display()).isEqualTo(url(1));
                lease.answered(0);
            }
        }
        assertThat(ticker.sleeps()).isEmpty();

        restart(0, port);
        ticker.at(Duration.ofSeconds(3), () -> {});
        ticker.sleep(Duration.ofSeconds(3));
        try (Lease other = enter(pool);
                Lease back = enter(pool)) {
            assertThat(List.of(other.server().display(), back.server().display()))
                    .containsExactlyInAnyOrder(url(0), url(1));
        }
    }

    @Test
    void whenEveryServerWithTheModelIsAwayLongerThanMaxOutageTheRunFailsNamingThemAll() throws Exception {
        ServerPool pool = pool(1, 1);
        simulators.forEach(OllamaSimulator::close);
        for (int failures = 0; failures < 8; failures++) {
            try (Lease lease = enter(pool)) {
                lease.failed(0, generateFailing(lease));
            }
        }

        GenerationFailedException failed = catchThrowableOfType(GenerationFailedException.class, () -> enter(pool));
        assertThat(failed)
                .hasMessage("no server with " + MODEL + " has answered for 30 s, longer than max-outage (30 s): "
                        + url(0) + ", " + url(1));
    }

    @Test
    void aModelGoesOnlyToTheServersThatHaveIt() throws Exception {
        ServerPool pool = pool(4, 4);
        pool.serve(MODEL, Set.of(url(1)));
        for (int i = 0; i < 4; i++) {
            assertThat(enter(pool).server().display()).isEqualTo(url(1));
        }
        assertThat(pool.acquire("other:1b", Set.of()).server().display()).isEqualTo(url(0));
    }

    @Test
    void aServerWaitingToJoinIsProbedWithItsChecksAndThenTakesOnlyTheModelsTheyFound() throws Exception {
        ServerPool pool = pool(1, 1);
        String other = "other:1b";
        pool.serve(MODEL, Set.of());
        pool.serve(other, Set.of(url(1)));
        AtomicInteger checks = new AtomicInteger();
        pool.awaitJoin(
                pool.servers().get(0),
                List.of(MODEL, other),
                () -> checks.incrementAndGet() < 2 ? Optional.empty() : Optional.of(Set.of(MODEL)));

        Lease lease = enter(pool);

        // Its checks ran at the probes, at 2 s (not reached) and 4 s (passed): then one request goes through.
        assertThat(ticker.elapsed()).isEqualTo(PROBE_INTERVAL.multipliedBy(2));
        assertThat(checks).hasValue(2);
        assertThat(lease.server().display()).isEqualTo(url(0));
        lease.answered(0);
        lease.close();
        Lease otherModel = pool.acquire(other, Set.of());
        assertThat(otherModel.server().display()).isEqualTo(url(1));
        // The joined server has a free slot but not the model: a second request for it waits for the other server.
        CompletableFuture<Lease> second = CompletableFuture.supplyAsync(() -> acquireUnchecked(pool, other));
        assertThat(second).isNotDone();
        otherModel.close();
        assertThat(second.get(5, TimeUnit.SECONDS).server().display()).isEqualTo(url(1));
        assertThat(checks).hasValue(2);
    }

    private ServerPool pool(int... slots) throws IOException {
        List<ServerTarget> targets = new ArrayList<>();
        for (int n : slots) {
            OllamaSimulator simulator = OllamaSimulator.start(settings());
            simulators.add(simulator);
            targets.add(
                    new ServerTarget(ServerAddress.resolve(simulator.baseUrl().toString(), null, Map.of()), n, false));
        }
        return ServerPool.of(
                targets, Duration.ofSeconds(5), MAX_OUTAGE, PROBE_INTERVAL, Duration.ofSeconds(30), ticker);
    }

    private String url(int server) {
        return simulators.get(server).baseUrl().toString();
    }

    private void failAway(ServerPool pool, int requests) throws InterruptedException {
        for (int i = 0; i < requests; i++) {
            try (Lease lease = enter(pool)) {
                OllamaException failure = generateFailing(lease);
                assertThat(failure.failureClass()).isEqualTo(FailureClass.AWAY);
                lease.failed(0, failure);
            }
        }
    }

    private static Lease enter(ServerPool pool) throws InterruptedException {
        return pool.acquire(MODEL, Set.of());
    }

    private static Lease acquireUnchecked(ServerPool pool, String model) {
        try {
            return pool.acquire(model, Set.of());
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Lease enterUnchecked(ServerPool pool) {
        try {
            return enter(pool);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static OllamaException generateFailing(Lease lease) {
        ServerClient client = lease.server().client();
        return catchThrowableOfType(
                OllamaException.class,
                () -> client.answer(new GenerateRequest(MODEL, "hello", null, Map.of(), null, null, null, null)));
    }

    private void restart(int server, int port) {
        try {
            simulators.set(server, OllamaSimulator.start(settings().withPort(port)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static SimulatorSettings settings() {
        return SimulatorTestSettings.instant().withModels(List.of(MODEL));
    }
}

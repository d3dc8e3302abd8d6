package dev.promptbatch.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.promptbatch.ollama.FailureClass;
import dev.promptbatch.ollama.GenerateRequest;
import dev.promptbatch.ollama.OllamaClient;
import dev.promptbatch.ollama.OllamaException;
import dev.promptbatch.ollama.ServerAddress;
import dev.promptbatch.simulator.Fault;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorSettings;
import dev.promptbatch.simulator.SimulatorTestSettings;

/**
 * The gate over real HTTP: failures are real answers of the simulator (or a closed port), probes are real
 * {@code GET /api/version} requests, and time is a {@link ManualTicker}, so minutes of outage take none.
 */
class ServerGateTest {
    private static final Duration PROBE_INTERVAL = Duration.ofSeconds(2);
    private static final Duration MAX_OUTAGE = Duration.ofSeconds(30);
    /** How long a waiting caller sleeps between looks at the gate. */
    private static final Duration WAIT = Duration.ofMillis(100);

    private final ManualTicker ticker = new ManualTicker();
    private OllamaSimulator simulator;
    private OllamaClient client;
    private ServerGate gate;

    @BeforeEach
    void start() throws IOException {
        simulator = OllamaSimulator.start(settings());
        client = new OllamaClient(
                ServerAddress.resolve(simulator.baseUrl().toString(), null, Map.of()), Duration.ofSeconds(5), 1);
        gate = new ServerGate(client, simulator.baseUrl().toString(), 1, MAX_OUTAGE, PROBE_INTERVAL, ticker);
    }

    @AfterEach
    void stop() {
        simulator.close();
    }

    @Test
    void failuresOfSingleRequestsNeverStopTheOthers() throws InterruptedException {
        simulator.faults().failWhen(request -> true, Fault.INTERNAL_ERROR);
        for (int i = 0; i < 10; i++) {
            gate.enter();
            OllamaException failure = generateFailing();
            assertThat(failure.failureClass()).isEqualTo(FailureClass.TRANSIENT);
            gate.failed(0, failure);
        }
        gate.enter();
        assertThat(ticker.sleeps()).isEmpty();
    }

    @Test
    void answersSlowerThanAMinuteAreAnswersAndNeverStopRequests() throws InterruptedException {
        for (int i = 0; i < 10; i++) {
            gate.enter();
            gate.succeeded(Duration.ofMinutes(5).toNanos());
        }
        gate.enter();
        assertThat(ticker.sleeps()).isEmpty();
    }

    @Test
    void whileTheServerIsAwayRequestsWaitAndAProbeEveryIntervalFindsItBack() throws InterruptedException {
        int port = simulator.port();
        simulator.close();
        // Four failures of four requests (the least the breaker judges) stop requests.
        for (int i = 0; i < 4; i++) {
            gate.enter();
            OllamaException failure = generateFailing();
            assertThat(failure.failureClass()).isEqualTo(FailureClass.AWAY);
            gate.failed(0, failure);
        }
        assertThat(ticker.sleeps()).isEmpty();
        ticker.at(Duration.ofSeconds(5), () -> restart(port));

        gate.enter();
        // Probes at 2 s and 4 s found nothing; the one at 6 s lets one request through once its caller next looks.
        assertThat(ticker.elapsed()).isEqualTo(Duration.ofSeconds(6).plus(WAIT));
        assertThat(ticker.sleeps()).containsOnly(WAIT);
        gate.succeeded(0);
        gate.enter();
        assertThat(ticker.elapsed()).isEqualTo(Duration.ofSeconds(6).plus(WAIT));
    }

    @Test
    void aRequestThatFailsAfterAGoodProbeStopsRequestsAgainUntilTheNextProbe() throws InterruptedException {
        simulator.faults().failWhen(request -> true, Fault.BAD_GATEWAY);
        for (int i = 0; i < 4; i++) {
            gate.enter();
            gate.failed(0, generateFailing());
        }
        gate.enter();
        assertThat(ticker.elapsed()).isEqualTo(PROBE_INTERVAL.plus(WAIT));
        gate.failed(0, generateFailing());
        gate.enter();
        assertThat(ticker.elapsed()).isEqualTo(PROBE_INTERVAL.multipliedBy(2).plus(WAIT));
    }

    @Test
    void anOutageLongerThanMaxOutageFailsTheRun() throws InterruptedException {
        simulator.close();
        for (int i = 0; i < 4; i++) {
            gate.enter();
            gate.failed(0, generateFailing());
        }
        GenerationFailedException failed = catchThrowableOfType(GenerationFailedException.class, gate::enter);
        assertThat(failed)
                .hasMessage("the server at " + simulator.baseUrl() + " has not answered for 30 s, longer "
                        + "than max-outage (30 s)");
        assertThat(ticker.elapsed()).isEqualTo(MAX_OUTAGE.plus(WAIT));
        assertThatThrownBy(gate::enter).isInstanceOf(GenerationFailedException.class);
    }

    private OllamaException generateFailing() {
        return catchThrowableOfType(
                OllamaException.class,
                () -> client.generate(new GenerateRequest("llama3.2:3b", "hello", null, Map.of(), null, null, null)));
    }

    private void restart(int port) {
        try {
            simulator = OllamaSimulator.start(settings().withPort(port));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static SimulatorSettings settings() {
        return SimulatorTestSettings.instant().withModels(List.of("llama3.2:3b"));
    }
}

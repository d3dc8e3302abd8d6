package dev.promptbatch.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.node.JsonNodeFactory;

import dev.promptbatch.input.DataRecord;
import dev.promptbatch.ollama.ServerAddress;
import dev.promptbatch.outcome.Answer;
import dev.promptbatch.outcome.Cell;
import dev.promptbatch.outcome.ErrorResponse;
import dev.promptbatch.outcome.Failure;
import dev.promptbatch.outcome.FailureKind;
import dev.promptbatch.outcome.Outcome;
import dev.promptbatch.servers.AdaptiveConcurrency;
import dev.promptbatch.servers.GenerationFailedException;
import dev.promptbatch.servers.ManualTicker;
import dev.promptbatch.servers.ServerPool;
import dev.promptbatch.servers.ServerTarget;
import dev.promptbatch.simulator.Fault;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;
import dev.promptbatch.spec.JobSpec;
import dev.promptbatch.spec.SpecLoader;

/**
 * One work item to its outcome over real HTTP against the simulator, with a {@link ManualTicker}: backoff, busy waits
 * and outages of minutes take no time, and every wait is there to count.
 */
class GeneratorTest {
    private static final String MODEL = "llama3.2:3b";
    private static final Cell CELL = new Cell(MODEL, null, null, null);
    private static final WorkItem RECORD_1 = new WorkItem(
            new DataRecord(1, 2, JsonNodeFactory.instance.objectNode().put("text", "record 1")), CELL);
    private static final String RUNNER_STOPPED = "HTTP 500: model runner has unexpectedly stopped, this may be due to "
            + "resource limitations or an internal error, check ollama server logs for details";
    private static final String SERVER_BUSY =
            "HTTP 503: server busy, please try again.  maximum pending requests " + "exceeded";

    @TempDir
    Path dir;

    private final ManualTicker ticker = new ManualTicker();
    private OllamaSimulator simulator;
    private AdaptiveConcurrency concurrency;

    @BeforeEach
    void start() throws IOException {
        simulator = OllamaSimulator.start(SimulatorTestSettings.instant().withModels(List.of(MODEL)));
    }

    @AfterEach
    void stop() {
        simulator.close();
    }

    @Test
    void anAnswerTakesOneAttemptAndNoWait() throws IOException {
        Outcome outcome = generator("").generate(RECORD_1);

        assertThat(outcome).isInstanceOfSatisfying(Answer.class, answer -> {
            assertThat(answer.id()).isEqualTo(1L);
            assertThat(answer.line()).isEqualTo(2);
            assertThat(answer.attempts()).isEqualTo(1);
            assertThat(answer.response().response()).isNotEmpty();
        });
        assertThat(simulator.stats().requestsForPrompt("record 1")).isEqualTo(1);
        assertThat(ticker.sleeps()).isEmpty();
    }

    @Test
    void aFailureThatCanPassIsSentAgainWithGrowingBackoffUpToMaxAttempts() throws IOException {
        simulator.faults().failWhen(request -> true, Fault.INTERNAL_ERROR);

        Outcome outcome = generator("retry: {max-attempts: 4, initial-backoff: 1s, max-backoff: 3s}\n")
                .generate(RECORD_1);

        assertThat(outcome)
                .isEqualTo(new Failure(
                        1L,
                        2,
                        CELL,
                        null,
                        FailureKind.RETRIES_EXHAUSTED,
                        RUNNER_STOPPED + " (4 attempts)",
                        4,
                        simulator.baseUrl().toString(),
                        // the last attempt's answer, for an OpenAI Batch errors line's response
                        new ErrorResponse(500, RUNNER_STOPPED.substring("HTTP 500: ".length()))));
        assertThat(simulator.stats().requestsForPrompt("record 1")).isEqualTo(4);
        // Full jitter: each wait is anything up to 1 s, 2 s, then 3 s (the most).
        List<Duration> waits = ticker.sleeps();
        assertThat(waits).hasSize(3);
        assertThat(waits.get(0)).isLessThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(waits.get(1)).isLessThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(waits.get(2)).isLessThanOrEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void aRequestTheServerRejectsFailsAtOnceWithoutAWait() throws IOException {
        simulator.faults().failWhen(request -> true, Fault.PROMPT_TOO_LONG);

        Outcome outcome = generator("").generate(RECORD_1);

        assertThat(outcome).isInstanceOfSatisfying(Failure.class, failure -> {
            assertThat(failure.kind()).isEqualTo(FailureKind.REJECTED);
            assertThat(failure.message()).startsWith("HTTP 400: the prompt is longer than the context length");
            assertThat(failure.attempts()).isEqualTo(1);
        });
        assertThat(ticker.sleeps()).isEmpty();
    }

    @Test
    void aBusyServerIsWaitedForAndItsRefusalsAreNoAttempts() throws IOException {
        AtomicInteger refusals = new AtomicInteger();
        simulator.faults().failWhen(request -> refusals.incrementAndGet() <= 3, Fault.SERVICE_UNAVAILABLE);

        Outcome outcome = generator("concurrency: 4\nretry: {max-attempts: 2, initial-backoff: 1s, max-backoff: 3s}\n")
                .generate(RECORD_1);

        assertThat(outcome)
                .isInstanceOfSatisfying(
                        Answer.class, answer -> assertThat(answer.attempts()).isEqualTo(1));
        assertThat(simulator.stats().unansweredForPrompt("record 1")).isEqualTo(3);
        List<Duration> waits = ticker.sleeps();
        assertThat(waits).hasSize(3);
        assertThat(waits.get(0)).isLessThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(waits.get(1)).isLessThanOrEqualTo(Duration.ofSeconds(3));
        assertThat(concurrency.report()).satisfies(report -> {
            assertThat(report.busyAnswers()).isEqualTo(3);
            assertThat(report.lowest()).isEqualTo(1);
        });
    }

    @Test
    void aServerBusyForLongerThanMaxOutageFailsTheRunNotTheRecord() throws IOException {
        simulator.faults().failWhen(request -> true, Fault.SERVICE_UNAVAILABLE);

        GenerationFailedException failed = catchThrowableOfType(
                GenerationFailedException.class,
                () -> generator("max-outage: 10s\nretry: {max-attempts: 2, initial-backoff: 1s, max-backoff: 1s}\n")
                        .generate(RECORD_1));

        assertThat(failed)
                .hasMessage("the server at " + simulator.baseUrl() + " has been busy for 10 s, longer than "
                        + "max-outage (10 s): " + SERVER_BUSY);
        assertThat(ticker.elapsed()).isBetween(Duration.ofSeconds(10), Duration.ofSeconds(11));
    }

    @Test
    void aServerAwayForAMinuteIsWaitedForWithOneRequestPerProbeAndCostsNoRecord() throws IOException {
        simulator.faults().failWhen(request -> true, Fault.BAD_GATEWAY);
        ticker.at(Duration.ofSeconds(60), () -> simulator.faults().clear());

        Outcome outcome = generator(
                        "max-outage: 2m\nretry: {max-attempts: 3, initial-backoff: 1ms, " + "max-backoff: 1ms}\n")
                .generate(RECORD_1);

        assertThat(outcome).isInstanceOf(Answer.class);
        assertThat(ticker.elapsed()).isBetween(Duration.ofSeconds(60), Duration.ofMillis(60_100));
        // Four failed requests until the gate stops them (the least it judges), then one after each probe every 2 s:
        // 29 that fail, and the one after the server came back.
        assertThat(simulator.stats().requestsForPrompt("record 1")).isEqualTo(4 + 29 + 1);
    }

    @Test
    void aServerAwayForLongerThanMaxOutageFailsTheRunNotTheRecord() throws IOException {
        Generator generator =
                generator("max-outage: 1m\nretry: {max-attempts: 3, initial-backoff: 1s, " + "max-backoff: 1s}\n");
        simulator.close();

        GenerationFailedException failed =
                catchThrowableOfType(GenerationFailedException.class, () -> generator.generate(RECORD_1));

        assertThat(failed)
                .hasMessage("the server at " + simulator.baseUrl() + " has not answered for 60 s, longer "
                        + "than max-outage (60 s)");
    }

    @Test
    void aRecordThatFoundADeadServerAndLaterACutConnectionOnALiveOneWaitsWhileAServerIsUp() throws IOException {
        Generator generator = generator(
                "max-outage: 1m\nretry: {max-attempts: 3, initial-backoff: 1s, max-backoff: 1s}\n", deadServer());
        // Two minutes after the dead server refused the record, the live one cuts its request, and the client's
        // two sends again on fresh connections (concurrency 1 + 1) too.
        AtomicInteger cuts = new AtomicInteger();
        simulator
                .faults()
                .failWhen(
                        request -> {
                            if (!request.prompt().equals("record 1")) {
                                return false;
                            }
                            int cut = cuts.incrementAndGet();
                            if (cut == 1) {
                                ticker.sleep(Duration.ofMinutes(2));
                            }
                            return cut <= 3;
                        },
                        Fault.DROP_CONNECTION);

        Outcome outcome = generator.generate(RECORD_1);

        assertThat(outcome).isInstanceOfSatisfying(Answer.class, answer -> {
            assertThat(answer.server()).isEqualTo(simulator.baseUrl().toString());
            assertThat(answer.attempts()).isEqualTo(1);
        });
        assertThat(simulator.stats().requestsForPrompt("record 1")).isEqualTo(4);
    }

    @Test
    void everyServerForTheModelAwayLongerThanMaxOutageFailsTheRunNamingThemAll() throws IOException {
        String dead = deadServer();
        Generator generator =
                generator("max-outage: 1m\nretry: {max-attempts: 3, initial-backoff: 1s, max-backoff: 1s}\n", dead);
        String live = simulator.baseUrl().toString();
        simulator.close();

        GenerationFailedException failed =
                catchThrowableOfType(GenerationFailedException.class, () -> generator.generate(RECORD_1));

        assertThat(failed)
                .hasMessage("no server with " + MODEL + " has answered for 60 s, longer than max-outage (60 s): " + dead
                        + ", " + live);
    }

    /** The URL of a port where nothing listens. */
    private static String deadServer() throws IOException {
        OllamaSimulator gone = OllamaSimulator.start(SimulatorTestSettings.instant());
        gone.close();
        return gone.baseUrl().toString();
    }

    /** A generator for a spec of one model with {@code extra} keys, over a pool of the one simulator. */
    private Generator generator(String extra) throws IOException {
        return generator(extra, new String[0]);
    }

    /** The same, over a pool of the servers at {@code before} (in this order), then the simulator. */
    private Generator generator(String extra, String... before) throws IOException {
        Files.writeString(dir.resolve("in.csv"), "text\nrecord 1\n");
        Path file = dir.resolve("job.yaml");
        Files.writeString(
                file,
                "name: g\ninput: in.csv\nmodel: " + MODEL + "\nprompt: \"{{text}}\"\n" + "output: out.jsonl\n"
                        + (extra.contains("concurrency:") ? "" : "concurrency: 1\n") + extra);
        JobSpec spec = new SpecLoader(dir).load(file, Map.of(), Map.of());
        ServerPool pool = ServerPool.of(
                Stream.concat(Stream.of(before), Stream.of(simulator.baseUrl().toString()))
                        .map(url -> new ServerTarget(
                                ServerAddress.resolve(url, null, Map.of()),
                                spec.limits().concurrency(),
                                false))
                        .toList(),
                Duration.ofSeconds(5),
                spec.limits().maxOutage(),
                Duration.ofSeconds(2),
                Duration.ofSeconds(30),
                ticker);
        concurrency = pool.servers().get(before.length).concurrency();
        return new Generator(spec, pool, ticker);
    }
}

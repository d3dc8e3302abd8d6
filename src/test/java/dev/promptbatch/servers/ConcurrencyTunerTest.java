package dev.promptbatch.servers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.Random;
import java.util.function.IntSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.promptbatch.cli.LogCapture;

/**
 * The tuner against a model of an Ollama server in virtual time: a number of slots that each generate at a fixed
 * speed, a FIFO queue for the requests beyond them, and a client that keeps as many requests in flight as the tuner's
 * bound allows (or as it can). Time moves from one answer to the next, so minutes of answers take none.
 */
class ConcurrencyTunerTest {
    private static final String SERVER = "http://gpu1:11434";
    private static final double TOKENS_PER_SECOND = 50;
    /** What a request costs besides its tokens: the HTTP exchange, the prompt. */
    private static final long OVERHEAD_NANOS = 20_000_000;

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8, 16})
    void settlesAtTheSlotCountForAnswersOfOneLength(int slots) {
        Tuning tuning = tune(slots, ServerTarget.AUTO_CEILING, Integer.MAX_VALUE, random -> 60);

        assertThat(tuning.settledAt()).isEqualTo(slots);
        assertThat(tuning.bounds()).last().isEqualTo(slots);
    }

    @Test
    void triesEachLevelFromOneDoublingAndGoesBackToTheKnee() {
        Tuning tuning = tune(4, ServerTarget.AUTO_CEILING, Integer.MAX_VALUE, random -> 60);

        assertThat(tuning.bounds()).containsExactly(1, 2, 4, 8, 4);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4, 8})
    void settlesAtTheSlotCountForHeavyTailedAnswersWhateverTheirOrder(int slots) {
        for (long seed = 1; seed <= 30; seed++) {
            Tuning tuning =
                    tune(slots, ServerTarget.AUTO_CEILING, Integer.MAX_VALUE, seed, ConcurrencyTunerTest::heavyTailed);

            assertThat(tuning.settledAt()).as("seed %d", seed).isEqualTo(slots);
        }
    }

    @Test
    void neverGoesAboveTheCeilingAndSaysWhenItStoppedThere() {
        Tuning tuning;
        try (LogCapture log = new LogCapture()) {
            tuning = tune(32, ServerTarget.AUTO_CEILING, Integer.MAX_VALUE, random -> 60);
            assertThat(log.text())
                    .containsOnlyOnce("INFO Concurrency for " + SERVER + " settled at 16, the most allowed (")
                    .containsPattern("settled at 16, the most allowed \\(\\d+ tokens/s; 8 gave \\d+ tokens/s\\)");
        }
        assertThat(tuning.settledAt()).isEqualTo(16);
        assertThat(tuning.bounds()).containsExactly(1, 2, 4, 8, 16);
        assertThat(tuning.mostInFlight()).isEqualTo(16);
    }

    @Test
    void aCeilingBetweenTwoLevelsIsTheLastLevelTried() {
        Tuning tuning = tune(8, 6, Integer.MAX_VALUE, random -> 60);

        assertThat(tuning.bounds()).containsExactly(1, 2, 4, 6);
        assertThat(tuning.settledAt()).isEqualTo(6);
    }

    @Test
    void aCeilingOfOneIsSettledFromTheStart() {
        ConcurrencyTuner tuner = new ConcurrencyTuner(SERVER, 1, level -> {});

        assertThat(tuner.settled()).isTrue();
        assertThat(tuner.level()).isEqualTo(1);
    }

    @Test
    void logsOnceWhereItSettledWithTheThroughputThereAndAtTwiceAsMany() {
        try (LogCapture log = new LogCapture()) {
            tune(4, ServerTarget.AUTO_CEILING, Integer.MAX_VALUE, random -> 60);
            // 4 slots at 50 tokens/s answer 60 tokens in 1.2 s plus 20 ms: 4 × 60 / 1.22 s = 197 tokens/s.
            assertThat(log.text())
                    .containsOnlyOnce("Concurrency for " + SERVER)
                    .containsPattern("INFO Concurrency for \\Q" + SERVER + "\\E settled at 4 \\(197 tokens/s; 8 gave "
                            + "19[0-9] tokens/s\\)");
        }
    }

    @Test
    void aRunThatCannotFillALevelIsMeasuredAtWhatItHadInFlight() {
        // Three requests at most, as when the ordered window is held up: 4 in flight is never reached, and 8 no more.
        Tuning tuning = tune(8, ServerTarget.AUTO_CEILING, 3, random -> 60);

        assertThat(tuning.settledAt()).isEqualTo(4);
        assertThat(tuning.mostInFlight()).isEqualTo(3);
    }

    @Test
    void answersToRequestsSentAtAnEarlierLevelAreNotCounted() {
        List<Integer> bounds = new ArrayList<>();
        ConcurrencyTuner tuner = new ConcurrencyTuner(SERVER, 16, bounds::add);
        ConcurrencyTuner.Sent atOne = tuner.sent(); // the first request at a level is not measured
        assertThat(atOne.measured()).isFalse();
        for (int i = 0; i < ConcurrencyTuner.FEWEST_ANSWERS; i++) {
            tuner.answered(tuner.sent(), 1_000_000_000, 50, 1);
        }
        assertThat(tuner.level()).isEqualTo(2);

        ConcurrencyTuner.Sent measuredAtOne = new ConcurrencyTuner.Sent(1, true);
        for (int i = 0; i < 100; i++) {
            tuner.answered(measuredAtOne, 1, 1_000_000, 1);
        }

        assertThat(tuner.level()).isEqualTo(2);
        assertThat(bounds).containsExactly(1, 2);
    }

    /** Lognormal lengths around a median of 60 tokens, sigma 1: one answer in a hundred is ten times the median. */
    private static int heavyTailed(Random random) {
        return (int) Math.max(1, Math.round(60 * Math.exp(random.nextGaussian())));
    }

    private interface Lengths {
        int next(Random random);
    }

    private record Tuning(int settledAt, List<Integer> bounds, int mostInFlight) {}

    private static Tuning tune(int slots, int ceiling, int clientMost, Lengths lengths) {
        return tune(slots, ceiling, clientMost, 7, lengths);
    }

    /** Runs the model until the tuner settles; fails if it does not within 10,000 answers. */
    private static Tuning tune(int slots, int ceiling, int clientMost, long seed, Lengths lengths) {
        List<Integer> bounds = new ArrayList<>();
        ConcurrencyTuner tuner = new ConcurrencyTuner(SERVER, ceiling, bounds::add);
        SlotServer server = new SlotServer(slots, new Random(seed), lengths);
        IntSupplier bound = () -> bounds.get(bounds.size() - 1);
        int most = 0;
        for (int answers = 0; !tuner.settled(); answers++) {
            assertThat(answers).as("answers before settling").isLessThan(10_000);
            while (server.inFlight() < Math.min(bound.getAsInt(), clientMost)) {
                server.send(tuner);
            }
            most = Math.max(most, server.inFlight());
            server.answerNext(tuner);
        }
        return new Tuning(tuner.level(), bounds, most);
    }

    /** Ollama's slots in virtual time: each generates at {@link #TOKENS_PER_SECOND}; the rest wait in turn. */
    private static final class SlotServer {
        private final int slots;
        private final Random random;
        private final Lengths lengths;
        private final PriorityQueue<Request> generating = new PriorityQueue<>(Comparator.comparingLong(r -> r.done));
        private final Queue<Request> waiting = new ArrayDeque<>();
        private long now;
        /** Requests in flight summed over time, up to now. */
        private long inFlightNanos;

        SlotServer(int slots, Random random, Lengths lengths) {
            this.slots = slots;
            this.random = random;
            this.lengths = lengths;
        }

        int inFlight() {
            return generating.size() + waiting.size();
        }

        void send(ConcurrencyTuner tuner) {
            Request request = new Request(tuner.sent(), now, inFlightNanos, lengths.next(random));
            if (generating.size() < slots) {
                start(request);
            } else {
                waiting.add(request);
            }
        }

        void answerNext(ConcurrencyTuner tuner) {
            inFlightNanos += inFlight() * (generating.peek().done - now);
            Request answered = generating.poll();
            now = answered.done;
            if (!waiting.isEmpty()) {
                start(waiting.poll());
            }
            long nanos = now - answered.sentAt;
            tuner.answered(
                    answered.sent,
                    nanos,
                    answered.tokens,
                    (double) (inFlightNanos - answered.inFlightNanosAtSend) / nanos);
        }

        private void start(Request request) {
            request.done = now + OVERHEAD_NANOS + Math.round(request.tokens * 1e9 / TOKENS_PER_SECOND);
            generating.add(request);
        }
    }

    private static final class Request {
        final ConcurrencyTuner.Sent sent;
        final long sentAt;
        final long inFlightNanosAtSend;
        final int tokens;
        long done;

        Request(ConcurrencyTuner.Sent sent, long sentAt, long inFlightNanosAtSend, int tokens) {
            this.sent = sent;
            this.sentAt = sentAt;
            this.inFlightNanosAtSend = inFlightNanosAtSend;
            this.tokens = tokens;
        }
    }
}

package dev.promptbatch.servers;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class AdaptiveConcurrencyTest {
    private final AtomicLong now = new AtomicLong();
    private final AdaptiveConcurrency limit = new AdaptiveConcurrency("http://s", 8, Duration.ofSeconds(30), now::get);

    @Test
    void aBusyAnswerHalvesTheLimitOncePerRoundAndCountsTheThrottledTime() {
        List<AdaptiveConcurrency.Permit> permits = acquire(8);
        for (AdaptiveConcurrency.Permit permit : permits.subList(4, 8)) {
            limit.busy(permit, "HTTP 503: busy");
            limit.release();
        }
        now.addAndGet(Duration.ofSeconds(3).toNanos());

        assertThat(limit.report())
                .isEqualTo(new AdaptiveConcurrency.Report("http://s", 8, 4, 4, 4, Duration.ofSeconds(3)));
    }

    @Test
    void theLimitGrowsByOneForEveryLimitAnswersButStaysBelowWhatWasTooMuchUntilTheServerWasQuiet() {
        AdaptiveConcurrency limit = new AdaptiveConcurrency("http://s", 5, Duration.ofSeconds(30), now::get);
        List<AdaptiveConcurrency.Permit> permits = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            permits.add(limit.tryAcquire());
        }
        limit.busy(permits.get(4), "busy"); // 5 was too many: down to 2, growing up to 4
        permits.forEach(permit -> limit.release());

        List<Integer> limits = new ArrayList<>();
        for (int answer = 0; answer < 40; answer++) {
            answer(limit);
            limits.add(limit.report().current());
        }
        assertThat(limits.subList(0, 6)).containsExactly(2, 3, 3, 3, 4, 4);
        assertThat(limits.subList(6, 40)).containsOnly(4);

        now.addAndGet(Duration.ofSeconds(31).toNanos());
        answer(limit);
        assertThat(limit.report().current()).isEqualTo(5);
        assertThat(limit.report().lowest()).isEqualTo(2);
    }

    @Test
    void noPermitPastTheLimit() {
        acquire(8);
        assertThat(limit.tryAcquire()).isNull();
        assertThat(limit.load()).isEqualTo(1.0);
        limit.release();
        assertThat(limit.load()).isEqualTo(7 / 8.0);
        assertThat(limit.tryAcquire()).isNotNull();
    }

    @Test
    void neverBelowOneAndBackToTheConfiguredBoundStopsTheThrottledClock() {
        AdaptiveConcurrency one = new AdaptiveConcurrency("http://s", 2, Duration.ZERO, now::get);
        AdaptiveConcurrency.Permit permit = one.tryAcquire();
        one.busy(permit, "busy");
        one.release();
        permit = one.tryAcquire();
        one.busy(permit, "busy");
        one.release();
        assertThat(one.report().current()).isOne();

        now.addAndGet(Duration.ofSeconds(2).toNanos());
        one.tryAcquire();
        one.answered();
        one.release();
        now.addAndGet(Duration.ofSeconds(5).toNanos());

        assertThat(one.report())
                .isEqualTo(new AdaptiveConcurrency.Report("http://s", 2, 2, 1, 2, Duration.ofSeconds(2)));
    }

    @Test
    void aNewBoundIsTheLimitAtOnce() {
        limit.bound(2);
        assertThat(acquire(3)).containsNull().hasSize(3);
        assertThat(acquire(3)).containsOnlyNulls();

        limit.bound(4);
        assertThat(acquire(3)).hasSize(3).filteredOn(permit -> permit != null).hasSize(2);
        assertThat(limit.report()).isEqualTo(new AdaptiveConcurrency.Report("http://s", 4, 4, 4, 0, Duration.ZERO));
    }

    @Test
    void theMeanInFlightWhileARequestWasIsSummedOverTime() {
        AdaptiveConcurrency.Permit first = limit.tryAcquire();
        now.addAndGet(1_000);
        limit.tryAcquire();
        now.addAndGet(2_000);
        limit.release();
        now.addAndGet(1_000);

        // 1 in flight for 1 µs, 2 for 2 µs, 1 for 1 µs: 6 request-µs in 4 µs.
        assertThat(limit.meanInFlightSince(first)).isEqualTo(1.5);
    }

    @Test
    void aLimitThatBusyAnswersLoweredStaysLowerUnderARaisedBoundAndGrowsBackToIt() {
        limit.bound(4);
        List<AdaptiveConcurrency.Permit> permits = acquire(4);
        limit.busy(permits.get(3), "busy"); // down to 2
        permits.forEach(permit -> limit.release());

        limit.bound(8);
        assertThat(limit.report().current()).isEqualTo(2);
        for (int answer = 0; answer < 100; answer++) {
            answer(limit);
        }
        now.addAndGet(Duration.ofSeconds(31).toNanos());
        for (int answer = 0; answer < 100; answer++) {
            answer(limit);
        }
        assertThat(limit.report().current()).isEqualTo(8);

        limit.bound(1);
        assertThat(limit.report().current()).isEqualTo(1);
        assertThat(limit.report().lowest()).isEqualTo(2);
    }

    private List<AdaptiveConcurrency.Permit> acquire(int count) {
        List<AdaptiveConcurrency.Permit> permits = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            permits.add(limit.tryAcquire());
        }
        return permits;
    }

    private static void answer(AdaptiveConcurrency limit) {
        limit.tryAcquire();
        limit.answered();
        limit.release();
    }
}

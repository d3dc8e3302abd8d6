package dev.promptbatch.servers;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Where generation reads the time and waits: for backoff, for a busy server, for the gate to open. The system's in
 * a run; tests pass one they move themselves, so an outage of minutes takes no time.
 */
public interface Ticker {
    Ticker SYSTEM = new Ticker() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleep(Duration duration) throws InterruptedException {
            TimeUnit.NANOSECONDS.sleep(duration.toNanos());
        }
    };

    /** A monotonic time in nanoseconds, as {@link System#nanoTime()}: only differences mean anything. */
    long nanoTime();

    void sleep(Duration duration) throws InterruptedException;
}

package dev.promptbatch.cli;

import java.util.ArrayList;
import java.util.List;

import sun.misc.Signal;
import sun.misc.SignalHandler;

import dev.promptbatch.job.GracefulStop;

/**
 * Routes SIGINT and SIGTERM to a {@link GracefulStop} while a run is under way, instead of letting the JVM shut down
 * in the middle of a chunk; the previous handlers come back on close.
 */
final class StopSignals implements AutoCloseable {
    private final List<Signal> signals = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();

    StopSignals(GracefulStop stop) {
        for (String name : List.of("INT", "TERM")) {
            Signal signal = new Signal(name);
            previous.add(Signal.handle(signal, s -> stop.request(s.getName())));
            signals.add(signal);
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < signals.size(); i++) {
            Signal.handle(signals.get(i), previous.get(i));
        }
    }
}

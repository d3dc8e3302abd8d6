package dev.promptbatch.progress;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The terminal's width in columns, asked of {@code stty size} on {@code /dev/tty} (Java has no call for it), and asked
 * again after the terminal is resized (SIGWINCH). Where {@code stty} cannot tell, {@code COLUMNS}, else 80.
 */
final class TerminalWidth implements AutoCloseable {
    static final int DEFAULT = 80;

    private final Map<String, String> environment;
    private volatile boolean stale = true;
    private int columns = DEFAULT;
    private Signal resize;
    private SignalHandler previous;

    TerminalWidth(Map<String, String> environment) {
        this.environment = environment;
        try {
            resize = new Signal("WINCH");
            previous = Signal.handle(resize, signal -> stale = true);
        } catch (IllegalArgumentException e) {
            // No SIGWINCH here (Windows): the width read at the start stays.
            resize = null;
        }
    }

    int columns() {
        if (stale) {
            stale = false;
            columns = read();
        }
        return columns;
    }

    private int read() {
        Integer size = stty();
        if (size != null) {
            return size;
        }
        return parse(environment.get("COLUMNS"));
    }

    /** The columns {@code stty size} gives ("rows columns"), or null. */
    private static Integer stty() {
        try {
            Process process = new ProcessBuilder("stty", "size")
                    .redirectInput(new File("/dev/tty"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (!process.waitFor(2, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                return null;
            }
            String[] parts = text.split("\\s+");
            int value = parts.length == 2 ? parse(parts[1]) : 0;
            return value > 0 ? value : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** A positive number of columns, else the default: a terminal of 0 columns (some CI consoles) is no width. */
    static int parse(String text) {
        if (text == null || !text.trim().matches("\\d{1,5}")) {
            return DEFAULT;
        }
        int value = Integer.parseInt(text.trim());
        return value > 0 ? value : DEFAULT;
    }

    @Override
    public void close() {
        if (resize != null) {
            Signal.handle(resize, previous);
        }
    }
}

package dev.promptbatch.progress;

import java.io.PrintStream;

/**
 * The line redrawn in place at the bottom of a terminal, and the one door through which log lines pass while it is
 * shown: each log line takes the progress line's place, and the progress line is drawn again below it, so that
 * neither garbles the other. Drawing and log lines share one lock.
 */
public final class TerminalLine implements AutoCloseable {
    /** Back to the first column; then, after the text, erase whatever an earlier, longer text left to the right. */
    static final String RETURN = "\r";

    static final String ERASE_TO_END = "\033[K";

    private static final Object LOCK = new Object();
    private static TerminalLine shown;

    private final PrintStream out;
    private String text = "";

    private TerminalLine(PrintStream out) {
        this.out = out;
    }

    /** The line on {@code out}, the terminal; log lines make way for it until it is closed. */
    static TerminalLine on(PrintStream out) {
        synchronized (LOCK) {
            TerminalLine line = new TerminalLine(out);
            shown = line;
            return line;
        }
    }

    void show(String newText) {
        synchronized (LOCK) {
            text = newText;
            out.print(RETURN + text + ERASE_TO_END);
            out.flush();
        }
    }

    /**
     * Writes a log line with the progress line out of its way: the progress line is erased, {@code write} writes
     * (ending its line), and the progress line is drawn again on the line below.
     */
    public static void writeAbove(Runnable write) {
        synchronized (LOCK) {
            TerminalLine line = shown;
            if (line == null || line.text.isEmpty()) {
                write.run();
                return;
            }
            line.out.print(RETURN + ERASE_TO_END);
            line.out.flush();
            write.run();
            line.out.print(line.text + ERASE_TO_END);
            line.out.flush();
        }
    }

    /** Erases the line, leaving the cursor in the first column for what is printed next. */
    @Override
    public void close() {
        synchronized (LOCK) {
            if (!text.isEmpty()) {
                out.print(RETURN + ERASE_TO_END);
                out.flush();
                text = "";
            }
            if (shown == this) {
                shown = null;
            }
        }
    }
}

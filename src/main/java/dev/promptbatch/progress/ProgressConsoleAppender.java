package dev.promptbatch.progress;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;

/** Logback's console appender, writing each log line above the terminal's progress line when one is shown. */
public class ProgressConsoleAppender extends ConsoleAppender<ILoggingEvent> {
    @Override
    protected void subAppend(ILoggingEvent event) {
        TerminalLine.writeAbove(() -> super.subAppend(event));
    }
}

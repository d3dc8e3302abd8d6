package dev.promptbatch.cli;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;

import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

/** The messages PromptBatch logs while it is open, as a user reads them on stderr. */
public final class LogCapture implements AutoCloseable {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final Logger logger = (Logger) LoggerFactory.getLogger("dev.promptbatch");
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    public LogCapture() {
        appender.start();
        logger.addAppender(appender);
    }

    /** Every message so far, formatted, one per line; safe to call while a run logs. */
    public String text() {
        List<String> messages;
        synchronized (appender) { // the lock under which AppenderBase appends
            messages = appender.list.stream()
                    .map(e -> e.getLevel() + " " + e.getFormattedMessage())
                    .toList();
        }
        return String.join("\n", messages);
    }

    /** The same, each message after its time as the console shows it ({@code HH:mm:ss}). */
    public String timedText() {
        List<String> messages;
        synchronized (appender) {
            messages = appender.list.stream()
                    .map(e -> TIME.format(e.getInstant().atZone(ZoneId.systemDefault())) + " " + e.getLevel() + " "
                            + e.getFormattedMessage())
                    .toList();
        }
        return String.join("\n", messages);
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
    }
}

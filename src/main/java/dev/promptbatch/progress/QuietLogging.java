package dev.promptbatch.progress;

import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;

/** {@code --quiet}: PromptBatch's own log keeps warnings and errors only, until closed. */
public final class QuietLogging implements AutoCloseable {
    private static final String OURS = "dev.promptbatch";

    private final Logger logger;
    private final Level before;

    private QuietLogging(boolean quiet) {
        logger = quiet ? (Logger) LoggerFactory.getLogger(OURS) : null;
        before = quiet ? logger.getLevel() : null;
        if (quiet) {
            logger.setLevel(Level.WARN);
        }
    }

    public static QuietLogging when(boolean quiet) {
        return new QuietLogging(quiet);
    }

    @Override
    public void close() {
        if (logger != null) {
            logger.setLevel(before);
        }
    }
}

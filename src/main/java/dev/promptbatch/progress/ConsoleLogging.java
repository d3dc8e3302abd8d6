package dev.promptbatch.progress;

import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The whole logging configuration, found by logback as a service (META-INF/services) before it looks for a
 * logback.xml: set up in code, it spares every start the XML parser and logback's configuration model, a tenth of a
 * second of CPU. A file given with {@code -Dlogback.configurationFile} still replaces it.
 *
 * <p>Messages go to stderr so that stdout carries only results (the summary); cron captures both. Each line is
 * written above the progress line when a terminal shows one.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class ConsoleLogging extends ContextAwareBase implements Configurator {
    private static final String PATTERN = "%d{HH:mm:ss} %-5level %msg%n";

    /** Loggers other than the root's WARN; the framework's own traces of failures the commands report in a line. */
    private static final Map<String, Level> LEVELS = Map.of(
            "dev.promptbatch", Level.INFO,
            // A failed chunk is reported once, by the run's own summary with its cause.
            "org.springframework.batch.core.step", Level.OFF,
            "org.springframework.batch.core.job.AbstractJob", Level.OFF,
            // A job database lost during a run is reported once by the command, not as each connection's trace.
            "org.springframework.transaction.support.TransactionTemplate", Level.OFF,
            "org.springframework.transaction.interceptor.TransactionInterceptor", Level.OFF,
            // Its "Commit exception overridden by rollback exception" when the database goes away mid-commit.
            "org.springframework.jdbc.support.JdbcTransactionManager", Level.OFF,
            "com.zaxxer.hikari", Level.ERROR,
            // A context that cannot start (the database locked by another run) is reported by the command.
            "org.springframework.boot.SpringApplication", Level.OFF,
            "org.springframework.context.annotation.AnnotationConfigApplicationContext", Level.OFF);

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ProgressConsoleAppender appender = new ProgressConsoleAppender();
        appender.setContext(context);
        appender.setName("STDERR");
        appender.setTarget("System.err");
        appender.setEncoder(encoder);
        appender.start();
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(appender);
        LEVELS.forEach((name, level) -> context.getLogger(name).setLevel(level));
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}

package dev.promptbatch.job;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;

/**
 * The Spring context of one run: Boot's JDBC job repository on an HSQLDB file database or
 * PostgreSQL, and the job. Boot's own job
 * runner is off; {@link JobRunner} decides which instance to start or resume.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
@Import(PromptBatchJobConfiguration.class)
class BatchContext {

    static ConfigurableApplicationContext start(RunSettings settings, InstanceCheck instance) {
        return application(settings.database())
                .initializers(context -> {
                    context.getBeanFactory().registerSingleton("runSettings", settings);
                    context.getBeanFactory().registerSingleton("instanceCheck", instance);
                })
                .run();
    }

    /**
     * The build's Spring AOT processing ({@code process-aot} in pom.xml) calls this to learn the context, and stops
     * it before anything is created; {@code bin/promptbatch} then starts runs from the generated code. Every run's
     * context is this one: what differs between HSQLDB and PostgreSQL is read as properties when the run starts,
     * never by a condition the processing settles.
     */
    public static void main(String[] args) {
        application(JobDatabase.file(Path.of("promptbatch-aot"))).run(args);
    }

    private static SpringApplicationBuilder application(JobDatabase database) {
        // ConsoleLogging is the whole logging configuration; Boot would only reset it with every context it starts.
        System.setProperty(LoggingSystem.SYSTEM_PROPERTY, LoggingSystem.NONE);
        return new SpringApplicationBuilder(BatchContext.class)
                .main(BatchContext.class)
                .web(WebApplicationType.NONE)
                .logStartupInfo(false)
                .registerShutdownHook(false)
                .properties(properties(database));
    }

    /**
     * HSQLDB settings from the reference: MVCC avoids serialization failures, write_delay=false makes every commit
     * durable (a kill -9 loses no committed chunk), shutdown=true checkpoints when the last connection closes.
     *
     * <p>On PostgreSQL the schema is already there ({@link PostgresSchema}); job instances are created at READ
     * COMMITTED rather than SERIALIZABLE, since jobs of other machines create theirs at the same moment and the
     * instance lock already keeps one instance to one process; a database that stops answering fails a connection
     * within seconds rather than hanging the run.
     */
    static Map<String, Object> properties(JobDatabase database) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("spring.main.banner-mode", "off");
        if (database.postgres()) {
            properties.put("spring.datasource.url", database.url());
            if (database.user() != null) {
                properties.put("spring.datasource.username", database.user());
            }
            if (database.password() != null) {
                properties.put("spring.datasource.password", database.password());
            }
            properties.put("spring.datasource.hikari.connection-timeout", JobDatabase.CONNECT_TIMEOUT_SECONDS * 1000L);
            properties.put(
                    "spring.datasource.hikari.data-source-properties.connectTimeout",
                    JobDatabase.CONNECT_TIMEOUT_SECONDS);
            properties.put(
                    "spring.datasource.hikari.data-source-properties.socketTimeout",
                    JobDatabase.SOCKET_TIMEOUT_SECONDS);
            properties.put("spring.datasource.hikari.data-source-properties.tcpKeepAlive", true);
            properties.put(
                    "spring.datasource.hikari.data-source-properties.ApplicationName", JobDatabase.applicationName());
            properties.put("spring.batch.jdbc.initialize-schema", "never");
            properties.put("spring.batch.jdbc.isolation-level-for-create", "read_committed");
        } else {
            properties.put(
                    "spring.datasource.url",
                    "jdbc:hsqldb:file:" + database.file().toAbsolutePath()
                            + ";hsqldb.tx=mvcc;hsqldb.write_delay=false;sql.enforce_strict_size=true;shutdown=true");
            properties.put("spring.datasource.username", "sa");
            properties.put("spring.batch.jdbc.initialize-schema", "always");
        }
        properties.put("spring.datasource.hikari.maximum-pool-size", "4");
        properties.put("spring.batch.job.enabled", "false");
        return properties;
    }
}

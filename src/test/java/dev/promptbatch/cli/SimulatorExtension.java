package dev.promptbatch.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ReflectionSupport;

import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorSettings;

/**
 * A fresh simulator on loopback for each test, and a {@link JobFixture} that runs the CLI against it in the test's
 * {@link TempDir}. Before each test it starts the simulator and sets the test's {@code OllamaSimulator} and
 * {@code JobFixture} fields, as {@code @TempDir} sets its field; after each test it closes the simulator. It keeps the
 * running test's simulator, so register it on an instance field, never a static one.
 *
 * <pre>{@code
 * @RegisterExtension
 * final SimulatorExtension simulated = SimulatorExtension.startedWith(SimulatorTestSettings.instant());
 *
 * @TempDir
 * Path dir;
 *
 * private OllamaSimulator simulator; // set before each test
 * private JobFixture job;            // set before each test
 * }</pre>
 */
final class SimulatorExtension implements BeforeEachCallback, AfterEachCallback {
    /** Null when each test starts the simulator itself. */
    private final SimulatorSettings settings;

    private Object test;
    private Path dir;
    private OllamaSimulator simulator;

    private SimulatorExtension(SimulatorSettings settings) {
        this.settings = settings;
    }

    /** Starts the simulator with these settings before each test. */
    static SimulatorExtension startedWith(SimulatorSettings settings) {
        return new SimulatorExtension(settings);
    }

    /** Leaves starting the simulator to each test, for tests that each want other settings: see {@link #start}. */
    static SimulatorExtension startedByEachTest() {
        return new SimulatorExtension(null);
    }

    /** Starts the simulator with these settings, closing the one running, and sets the test's fields anew. */
    void start(SimulatorSettings settings) {
        close();
        try {
            simulator = OllamaSimulator.start(settings);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        set(OllamaSimulator.class, simulator);
        set(JobFixture.class, new JobFixture(dir, simulator.baseUrl()));
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        test = context.getRequiredTestInstance();
        List<Path> dirs = AnnotationSupport.findAnnotatedFieldValues(test, TempDir.class, Path.class);
        if (dirs.size() != 1) {
            throw new ExtensionConfigurationException(SimulatorExtension.class.getSimpleName() + " needs exactly one "
                    + "@TempDir Path field in " + test.getClass().getName() + " for the job's files; found "
                    + dirs.size());
        }
        dir = dirs.get(0);
        if (settings != null) {
            start(settings);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        close();
    }

    private void close() {
        if (simulator != null) {
            simulator.close();
        }
    }

    private void set(Class<?> type, Object value) {
        List<Field> fields = ReflectionSupport.findFields(
                test.getClass(),
                field -> field.getType() == type && !Modifier.isStatic(field.getModifiers()),
                HierarchyTraversalMode.TOP_DOWN);
        for (Field field : fields) {
            try {
                field.setAccessible(true);
                field.set(test, value);
            } catch (IllegalAccessException e) {
                throw new ExtensionConfigurationException("cannot set " + field, e);
            }
        }
    }
}

package dev.promptbatch.job;

import org.springframework.context.ConfigurableApplicationContext;

import dev.promptbatch.spec.JobSpec;

/**
 * Runs a job instance: the job name plus the {@code --param} values. Everything that can refuse the run at once is
 * checked before the database is opened; then the output and the database are claimed for this process, and the
 * context's {@link RunLauncher} runs it.
 */
public final class JobRunner {
    private JobRunner() {}

    public static RunReport run(RunSettings settings) {
        JobSpec spec = settings.spec();
        WritableTargets.check(spec, settings.database());
        DatabaseOwner.refuseIfInUse(settings.database());
        RunFingerprint fingerprint = RunFingerprint.of(spec);
        try (OutputLock lock = OutputLock.claim(
                        spec.output().file(), spec.name(), settings.parameters(), settings.database());
                ConfigurableApplicationContext context = BatchContext.start(settings);
                DatabaseOwner owner = DatabaseOwner.claim(settings.database(), spec.name(), settings.parameters())) {
            return context.getBean(RunLauncher.class).run(fingerprint);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}

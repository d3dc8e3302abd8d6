package dev.promptbatch.job;

import org.springframework.context.ConfigurableApplicationContext;

import dev.promptbatch.spec.JobSpec;

/**
 * Runs a job instance: the job name plus the {@code --param} values. Everything that can refuse the run at once is
 * checked before the database is opened; then the job instance (on PostgreSQL) or the whole database (on HSQLDB) and
 * the output are claimed for this process, and the context's {@link RunLauncher} runs it.
 */
public final class JobRunner {
    private JobRunner() {}

    public static RunReport run(RunSettings settings) {
        JobSpec spec = settings.spec();
        JobDatabase database = settings.database();
        WritableTargets.check(spec, database);
        if (database.postgres()) {
            PostgresSchema.ensure(database);
        } else {
            DatabaseOwner.refuseIfInUse(database.file());
        }
        RunFingerprint fingerprint = RunFingerprint.of(spec);
        String databaseName = database.postgres()
                ? database.display()
                : database.file().toAbsolutePath().toString();
        // Null resources are skipped: the instance lock is PostgreSQL's, the owner file HSQLDB's.
        try (InstanceLock instance =
                        database.postgres() ? InstanceLock.claim(database, spec.name(), settings.parameters()) : null;
                OutputLock lock =
                        OutputLock.claim(spec.output().file(), spec.name(), settings.parameters(), databaseName);
                ConfigurableApplicationContext context =
                        BatchContext.start(settings, instance == null ? InstanceCheck.NONE : instance);
                DatabaseOwner owner = database.postgres()
                        ? null
                        : DatabaseOwner.claim(database.file(), spec.name(), settings.parameters())) {
            return context.getBean(RunLauncher.class).run(fingerprint);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}

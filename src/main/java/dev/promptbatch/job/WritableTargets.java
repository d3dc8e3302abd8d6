package dev.promptbatch.job;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.promptbatch.output.OutputFiles;
import dev.promptbatch.output.RunManifest;
import dev.promptbatch.output.WritableFiles;
import dev.promptbatch.spec.JobSpec;

/**
 * Every file a run writes, checked before the database is opened or a server contacted: a run that could not write
 * its output would otherwise fail after the work, and HSQLDB reports a database it cannot write as a lock it cannot
 * get.
 */
final class WritableTargets {
    /** HSQLDB's files for a database at {@code PATH}, and ours beside them. */
    private static final List<String> DATABASE_FILES =
            List.of(".properties", ".script", ".log", ".data", ".lck", ".owner.json");

    private WritableTargets() {}

    static void check(JobSpec spec, JobDatabase jobDatabase) {
        OutputFiles files = OutputFiles.of(spec.output().file());
        Map<String, Path> targets = new LinkedHashMap<>();
        targets.put("output", files.output());
        targets.put("errors file", files.errors());
        targets.put("summary", files.summary());
        targets.put("manifest", RunManifest.fileFor(files.output()));
        if (spec.output().report() != null) {
            targets.put("report", spec.output().report());
        }
        targets.forEach((what, file) -> WritableFiles.problem(file).ifPresent(problem -> {
            throw new RunRefusedException("cannot write the " + what + " " + file + ": " + problem);
        }));
        if (jobDatabase.postgres()) {
            return;
        }
        Path database = jobDatabase.file();
        WritableFiles.folderProblem(database.toAbsolutePath().getParent()).ifPresent(problem -> {
            throw new RunRefusedException("cannot write the job database at " + database + ": " + problem);
        });
        for (String suffix : DATABASE_FILES) {
            Path file = database.resolveSibling(database.getFileName() + suffix);
            WritableFiles.problem(file).ifPresent(problem -> {
                throw new RunRefusedException(
                        "cannot write the job database at " + database + ": " + file + ": " + problem);
            });
        }
    }
}

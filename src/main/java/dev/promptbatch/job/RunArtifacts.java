package dev.promptbatch.job;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;

import dev.promptbatch.PromptBatchVersion;
import dev.promptbatch.generation.RequestBuilder;
import dev.promptbatch.generation.WorkPlan;
import dev.promptbatch.outcome.Cell;
import dev.promptbatch.output.OutputFileException;
import dev.promptbatch.output.OutputFiles;
import dev.promptbatch.output.RunManifest;
import dev.promptbatch.output.RunSummary;
import dev.promptbatch.report.HtmlReport;
import dev.promptbatch.servers.ServerFacts;
import dev.promptbatch.servers.ServerTarget;
import dev.promptbatch.spec.JobSpec;

/**
 * The files beside the output once an execution ends: the manifest, {@code NAME.summary.csv} and the report, and no
 * empty errors file after a completed run. The output is read once, for the summary that the files and the console
 * share. A file that cannot be written (the disk is full) is a warning: it must not hide how the run itself ended,
 * nor turn a completed run into a failed one.
 */
final class RunArtifacts {
    private static final Logger log = LoggerFactory.getLogger(RunArtifacts.class);

    private final RunSettings settings;
    private final JobRepository repository;
    private final RunFingerprint fingerprint;
    private final OutputFiles files;

    RunArtifacts(RunSettings settings, JobRepository repository, RunFingerprint fingerprint) {
        this(
                settings,
                repository,
                fingerprint,
                OutputFiles.of(settings.spec().output().file()));
    }

    private RunArtifacts(
            RunSettings settings, JobRepository repository, RunFingerprint fingerprint, OutputFiles files) {
        this.settings = settings;
        this.repository = repository;
        this.fingerprint = fingerprint;
        this.files = files;
    }

    /** The same, with the failures read from {@code errors}: those a retry that did not complete leaves standing. */
    RunArtifacts withErrorsFrom(Path errors) {
        return new RunArtifacts(
                settings, repository, fingerprint, new OutputFiles(files.output(), errors, files.summary()));
    }

    /** Writes them all after an execution; returns the run's summary. */
    RunSummary afterExecution(JobExecution execution, List<ServerFacts> servers) {
        return write(execution, servers, file -> true, this::summary);
    }

    /**
     * Writes those missing beside the output of a run met complete, as a run killed between its last commit and
     * these files leaves it; returns the run's summary. The servers are not asked again: the manifest names their
     * URLs only.
     */
    RunSummary missingAfterCompletion(JobExecution completed) {
        List<ServerFacts> servers = settings.servers().stream()
                .map(server -> new ServerFacts(
                        server.display(),
                        null,
                        List.of(),
                        server.concurrency(),
                        server.autoConcurrency(),
                        null,
                        server.api().key(),
                        null))
                .toList();
        return write(completed, servers, Files::notExists, this::recordedSummary);
    }

    /** The run's summary, read from its files, with a row for each server of this run, whether it answered or not. */
    RunSummary summary() {
        return RunSummary.read(
                files,
                WorkPlan.cells(settings.spec()),
                settings.servers().stream().map(ServerTarget::display).toList());
    }

    /**
     * The summary of a run this process did not run (met complete, or stopped before it started): only the servers
     * its records name, since this command's servers (another simulator port, another spelling of a URL) took no
     * part in it.
     */
    RunSummary recordedSummary() {
        return RunSummary.read(files, WorkPlan.cells(settings.spec()), List.of());
    }

    private RunSummary write(
            JobExecution execution,
            List<ServerFacts> servers,
            Predicate<Path> wanted,
            Supplier<RunSummary> afterManifest) {
        JobSpec spec = settings.spec();
        if (execution.getStatus() == BatchStatus.COMPLETED) {
            besideOutput(files.errors(), () -> deleteIfEmpty(files.errors()));
        }
        Path manifest = RunManifest.fileFor(spec.output().file());
        if (wanted.test(manifest)) {
            besideOutput(manifest, () -> writeManifest(execution, servers));
        }
        // The summary reads each server's concurrency from the manifest just written.
        RunSummary summary = afterManifest.get();
        if (wanted.test(files.summary())) {
            besideOutput(files.summary(), () -> summary.writeCsv(files.summary()));
        }
        if (spec.output().report() != null && wanted.test(spec.output().report())) {
            besideOutput(spec.output().report(), () -> {
                HtmlReport.write(spec.output().file(), summary, spec.output().report());
                log.info("Report: {}", spec.output().report());
            });
        }
        return summary;
    }

    private static void besideOutput(Path file, IoAction write) {
        try {
            write.run();
        } catch (IOException | RuntimeException e) {
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            log.warn(
                    "Could not write {}: {}",
                    file,
                    cause instanceof IOException io ? OutputFileException.reason(io) : cause.getMessage());
        }
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private void writeManifest(JobExecution execution, List<ServerFacts> servers) {
        JobSpec spec = settings.spec();
        RequestBuilder requests = new RequestBuilder(spec);
        List<Map<String, Object>> options = new ArrayList<>();
        List<Integer> variants = spec.sweep().variants().isEmpty()
                ? Collections.singletonList(null)
                : IntStream.range(0, spec.sweep().variants().size()).boxed().toList();
        for (Integer variant : variants) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("variant", variant);
            entry.put(
                    "options",
                    requests.options(new Cell(spec.generation().models().get(0), variant, null, null)));
            options.add(entry);
        }
        LocalDateTime started = repository.getJobExecutions(execution.getJobInstance()).stream()
                .map(JobExecution::getStartTime)
                .filter(Objects::nonNull)
                .min(LocalDateTime::compareTo)
                .orElse(execution.getStartTime());
        RunManifest.write(
                spec,
                new RunManifest.Facts(
                        PromptBatchVersion.current(),
                        spec.name(),
                        settings.parameters(),
                        execution.getId(),
                        execution.getStatus().name(),
                        started,
                        execution.getEndTime(),
                        settings.simulated(),
                        servers,
                        fingerprint.inputSize(),
                        fingerprint.inputSha256(),
                        options));
    }

    private static void deleteIfEmpty(Path file) throws IOException {
        if (Files.exists(file) && Files.size(file) == 0) {
            Files.delete(file);
        }
    }
}

package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.promptbatch.simulator.Fault;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/**
 * The output on a small tmpfs that fills up mid-run: the run fails cleanly and, once space is freed, the same command
 * finishes it. Mounting needs root, which CI has; elsewhere the test is skipped, never passed without running.
 */
class FullDiskTest {
    private static final int RECORDS = 300;
    private static final long FREE_BYTES = 48 * 1024;

    @RegisterExtension
    final SimulatorExtension simulated =
            SimulatorExtension.startedWith(SimulatorTestSettings.instant().withModels(List.of("llama3.2:3b")));

    @TempDir
    Path dir;

    private OllamaSimulator simulator;
    private JobFixture job;
    private Path disk;
    private boolean mounted;

    @BeforeEach
    void setUp() throws IOException, InterruptedException {
        disk = Files.createDirectories(dir.resolve("disk"));
        mounted = command("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", disk.toString()) == 0;
        if (!"root".equals(System.getProperty("user.name"))) {
            assumeThat(mounted).as("mounting a tmpfs needs root").isTrue();
        }
        assertThat(mounted).as("mount a 512 KiB tmpfs at " + disk).isTrue();
        job.numberedRecords("input/r.csv", RECORDS);
        job.write("jobs/full.yaml", """
                name: full
                input: input/r.csv
                id-field: n
                model: llama3.2:3b
                prompt: "{{text}}"
                options: {seed: 5}
                output: disk/out.jsonl
                concurrency: 4
                """);
    }

    @AfterEach
    void tearDown() throws IOException, InterruptedException {
        if (mounted) {
            command("umount", disk.toString());
        }
    }

    @Test
    void aFullDiskFailsTheRunCleanlyAndOnceSpaceIsFreedTheSameCommandFinishesIt() throws IOException {
        Path filler = fill();

        assertThat(job.run("run", "jobs/full.yaml")).isEqualTo(1);
        assertThat(job.out)
                .startsWith(
                        "full failed: cannot write " + dir.resolve("disk/out.jsonl") + ": No space left on device\n")
                .contains("Nothing answered is lost: run the same command again to " + "resume.");
        List<Integer> committed = ids("disk/out.jsonl");
        assertThat(committed)
                .isEqualTo(IntStream.rangeClosed(1, committed.size()).boxed().toList());
        assertThat(committed.size()).isBetween(8, RECORDS - 8);

        Files.delete(filler);
        assertThat(job.run("run", "jobs/full.yaml")).as(job.err).isZero();
        assertThat(ids("disk/out.jsonl"))
                .isEqualTo(IntStream.rangeClosed(1, RECORDS).boxed().toList());
        assertThat(job.out).contains("Output: disk/out.jsonl (" + RECORDS + " answers)");
        assertThat(Files.exists(dir.resolve("disk/out.manifest.json"))).isTrue();
        assertThat(status()).containsPattern(" 1 +full +- +COMPLETED ").containsPattern(" 0 +full +- +FAILED ");
    }

    @Test
    void aFullDiskWhileWritingTheErrorsFileFailsCleanlyAndResumesToo() throws IOException {
        simulator.faults().failWhen(request -> true, Fault.PROMPT_TOO_LONG);
        Path filler = fill();

        assertThat(job.run("run", "jobs/full.yaml")).isEqualTo(1);
        assertThat(job.out)
                .startsWith("full failed: cannot write " + dir.resolve("disk/out.errors.jsonl")
                        + ": No space left on device\n");

        Files.delete(filler);
        assertThat(job.run("run", "jobs/full.yaml")).as(job.err).isEqualTo(3);
        assertThat(job.jsonLines("disk/out.errors.jsonl"))
                .extracting(error -> error.get("id").asInt())
                .isEqualTo(IntStream.rangeClosed(1, RECORDS).boxed().toList());
        assertThat(job.lines("disk/out.jsonl")).isEmpty();
        assertThat(status()).containsPattern(" 1 +full +- +COMPLETED ").containsPattern(" 0 +full +- +FAILED ");
    }

    /** Leaves {@link #FREE_BYTES} free on the tmpfs; returns the file taking up the rest. */
    private Path fill() throws IOException {
        Path filler = disk.resolve("filler");
        long usable = Files.getFileStore(disk).getUsableSpace();
        Files.write(filler, new byte[(int) (usable - FREE_BYTES)]);
        return filler;
    }

    /** Last in a test: in this JVM, the read-only database {@code status} opens stays open read-only. */
    private String status() {
        assertThat(job.runAsIs("status", "--db", dir.resolve("state/db").toString()))
                .isZero();
        return job.out;
    }

    private List<Integer> ids(String output) {
        return job.jsonLines(output).stream()
                .map(record -> record.get("id").asInt())
                .toList();
    }

    private static int command(String... command) throws IOException, InterruptedException {
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start()
                .waitFor();
    }
}

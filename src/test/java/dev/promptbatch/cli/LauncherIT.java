package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.promptbatch.simulator.SimulatorTestSettings;

/**
 * {@code bin/promptbatch} in a child process: from cron's minimal environment, and with its class archive missing,
 * damaged or made for an older build of the jar. Each of those only changes how fast the run starts, never what it
 * does.
 */
class LauncherIT {
    private static final Path LAUNCHER = Path.of("bin/promptbatch").toAbsolutePath();
    private static final Path JAR = Path.of(System.getProperty("promptbatch.jar", "target/promptbatch.jar"))
            .toAbsolutePath();
    private static final int RECORDS = 5;

    @RegisterExtension
    final SimulatorExtension simulated = SimulatorExtension.startedWith(
            SimulatorTestSettings.instant().withModels(List.of("llama3.2:3b")).withParallel(2));

    @TempDir
    Path dir;

    private JobFixture job;
    private int runs;

    @BeforeEach
    void writeJob() {
        job.numberedRecords("input.csv", RECORDS);
        job.write("job.yaml", """
                name: launched
                input: input.csv
                id-field: n
                model: llama3.2:3b
                prompt: "{{text}}"
                options: {seed: 5}
                output: answers.jsonl
                concurrency: 2
                """);
    }

    /** As cron starts it: nothing in the environment but a PATH, the archive beside the built jar. */
    @Test
    void runsFromCronsMinimalEnvironment() throws Exception {
        Launch run = launch(List.of("env", "-i", "PATH=/usr/bin:/bin", LAUNCHER.toString()), "--new-run");

        assertThat(run.exitCode).as(run.err).isZero();
        assertThat(run.out).contains("Output: answers.jsonl (5 answers)");
        assertThat(run.err).doesNotContain("[warning]").doesNotContain("[error]");
        assertThat(Files.readAllLines(dir.resolve("answers.jsonl"))).hasSize(RECORDS);
    }

    /**
     * A jar of its own, so that the test can make it a new build; the archive for the JDK running the test. The
     * archive is made by the first launch; damaged, then left behind by a new build of the jar, then out of reach,
     * the command still runs and says nothing of it.
     */
    @Test
    void aDamagedStaleOrMissingArchiveOnlyMakesTheStartSlower() throws Exception {
        Path jar = Files.copy(JAR, dir.resolve("promptbatch.jar"), StandardCopyOption.COPY_ATTRIBUTES);
        Path launchDir = dir.resolve("launch");
        List<String> launcher = List.of(
                "env",
                "-i",
                "PATH=/usr/bin:/bin",
                "JAVA_HOME=" + System.getProperty("java.home"),
                "PROMPTBATCH_JAR=" + jar,
                "PROMPTBATCH_LAUNCH_DIR=" + launchDir,
                LAUNCHER.toString());

        assertRuns(launch(launcher, "--new-run"));
        Path archive = onlyArchive(launchDir);
        Path build = archive.getParent();

        archive.toFile().setWritable(true);
        Files.write(archive, "not an archive".repeat(1000).getBytes(StandardCharsets.US_ASCII));
        assertRuns(launch(launcher, "--new-run"));

        Files.setLastModifiedTime(
                jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 60_000));
        assertRuns(launch(launcher, "--new-run"));
        assertThat(build).doesNotExist();
        assertThat(onlyArchive(launchDir).getParent()).isNotEqualTo(build);

        List<String> unwritable = new ArrayList<>(launcher);
        unwritable.set(unwritable.indexOf("PROMPTBATCH_LAUNCH_DIR=" + launchDir), "PROMPTBATCH_LAUNCH_DIR=/dev/null/x");
        assertRuns(launch(unwritable, "--new-run"));
    }

    private void assertRuns(Launch run) throws IOException {
        assertThat(run.exitCode).as(run.err).isZero();
        assertThat(run.out).contains("Output: answers.jsonl (5 answers)");
        assertThat(run.err).doesNotContain("[warning]").doesNotContain("[error]");
        assertThat(Files.readAllLines(dir.resolve("answers.jsonl"))).hasSize(RECORDS);
    }

    private static Path onlyArchive(Path launchDir) throws IOException {
        try (Stream<Path> files = Files.walk(launchDir, 2)) {
            List<Path> archives = files.filter(
                            file -> file.getFileName().toString().matches("jdk-\\d+\\.(jsa|aot)"))
                    .toList();
            assertThat(archives).hasSize(1);
            return archives.get(0);
        }
    }

    private Launch launch(List<String> launcher, String... options) throws Exception {
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of("run", "job.yaml", "--base-url", job.server.toString()));
        command.addAll(List.of(options));
        int run = ++runs;
        Path out = dir.resolve("launch-" + run + ".out");
        Path err = dir.resolve("launch-" + run + ".err");
        Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(new File("/dev/null"))
                .start();
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("no exit within 180 s; stderr: " + Files.readString(err));
        }
        return new Launch(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    private record Launch(int exitCode, String out, String err) {}
}

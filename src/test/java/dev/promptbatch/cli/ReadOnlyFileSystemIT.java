package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Output or database on a read-only file system: the real jar in a mount namespace of its own (unshare), where a
 * folder is read-only for the child alone. Permission bits would not do: they do not stop root, and CI runs as root.
 */
class ReadOnlyFileSystemIT {
    /** Mounts an empty read-only tmpfs on the folder given first, then runs the rest. */
    private static final List<String> EMPTY_READ_ONLY = List.of(
            "unshare",
            "--mount",
            "--map-root-user",
            "sh",
            "-c",
            "mount -t tmpfs -o ro,size=64k tmpfs \"$1\" && shift && exec \"$@\"",
            "sh");
    /** Makes the folder given first read-only as it is, with its files, then runs the rest. */
    private static final List<String> NOW_READ_ONLY = List.of(
            "unshare",
            "--mount",
            "--map-root-user",
            "sh",
            "-c",
            "mount --bind \"$1\" \"$1\" && mount -o remount,bind,ro \"$1\" && shift && exec \"$@\"",
            "sh");

    @TempDir
    Path dir;

    private SilentServer server;

    @BeforeEach
    void setUp() throws IOException {
        server = SilentServer.start();
        Files.createDirectories(dir.resolve("ro"));
        Files.writeString(dir.resolve("input.csv"), "text\nhello\nworld\n");
        Files.writeString(dir.resolve("job.yaml"), """
                name: ro
                input: input.csv
                model: llama3.2:3b
                prompt: "{{text}}"
                output: ${folder}/answers.jsonl
                """);
    }

    @AfterEach
    void tearDown() throws IOException {
        server.close();
    }

    @Test
    void outputOnAReadOnlyFileSystemIsRefusedBeforeAnyServerIsContacted() throws Exception {
        ChildRun run = ChildRun.startWrapped(
                dir,
                with(EMPTY_READ_ONLY, "ro"),
                "run",
                "job.yaml",
                "--param",
                "folder=ro",
                "--base-url",
                server.url().toString());

        assertThat(run.exitCode(60)).isEqualTo(2);
        assertThat(run.err())
                .isEqualTo("promptbatch: cannot write the output " + dir.resolve("ro/answers.jsonl")
                        + ": read-only file system\n");
        assertThat(server.connections()).isZero();
    }

    @Test
    void aNewDatabaseOnAReadOnlyFileSystemIsRefusedSayingSo() throws Exception {
        ChildRun run = ChildRun.startWrapped(
                dir,
                with(EMPTY_READ_ONLY, "ro"),
                "run",
                "job.yaml",
                "--param",
                "folder=out",
                "--db",
                "ro/db",
                "--base-url",
                server.url().toString());

        assertThat(run.exitCode(60)).isEqualTo(2);
        assertThat(run.err())
                .isEqualTo("promptbatch: cannot write the job database at " + dir.resolve("ro/db")
                        + ": read-only file system\n");
        assertThat(server.connections()).isZero();
    }

    @Test
    void anExistingDatabaseOnAFileSystemNowReadOnlyIsRefusedSayingSo() throws Exception {
        ChildRun first =
                ChildRun.start(dir, "run", "job.yaml", "--param", "folder=out", "--db", "state/db", "--simulator");
        assertThat(first.exitCode(120)).as(first.err()).isZero();

        ChildRun run = ChildRun.startWrapped(
                dir,
                with(NOW_READ_ONLY, "state"),
                "run",
                "job.yaml",
                "--param",
                "folder=out",
                "--db",
                "state/db",
                "--new-run",
                "--base-url",
                server.url().toString());

        assertThat(run.exitCode(60)).isEqualTo(2);
        assertThat(run.err())
                .isEqualTo("promptbatch: cannot write the job database at " + dir.resolve("state/db")
                        + ": read-only file system\n");
        assertThat(server.connections()).isZero();
    }

    private List<String> with(List<String> wrapper, String folder) {
        List<String> command = new ArrayList<>(wrapper);
        command.add(dir.resolve(folder).toString());
        return command;
    }
}

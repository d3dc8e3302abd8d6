package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A metrics file in a folder the run cannot write: the real jar in a mount namespace of its own (unshare), where an
 * empty read-only file system is mounted on the folder for the child alone; permission bits do not stop root, and
 * CI runs as root.
 */
class MetricsFileReadOnlyIT {
    @TempDir
    Path dir;

    private SilentServer server;

    @BeforeEach
    void setUp() throws IOException {
        server = SilentServer.start();
        Files.createDirectories(dir.resolve("textfiles"));
        Files.writeString(dir.resolve("input.csv"), "text\nhello\nworld\n");
        Files.writeString(dir.resolve("job.yaml"), """
                name: watched
                input: input.csv
                model: llama3.2:3b
                prompt: "{{text}}"
                output: out/answers.jsonl
                """);
    }

    @AfterEach
    void tearDown() throws IOException {
        server.close();
    }

    @Test
    void aMetricsFileOnAReadOnlyFileSystemIsRefusedBeforeAnyServerIsContacted() throws Exception {
        ChildRun run = ChildRun.startWrapped(
                dir,
                List.of(
                        "unshare",
                        "--mount",
                        "--map-root-user",
                        "sh",
                        "-c",
                        "mount -t tmpfs -o ro,size=64k tmpfs \"$1\" && shift && exec \"$@\"",
                        "sh",
                        dir.resolve("textfiles").toString()),
                "run",
                "job.yaml",
                "--metrics-file",
                "textfiles/watched.prom",
                "--base-url",
                server.url().toString());

        assertThat(run.exitCode(60)).isEqualTo(2);
        assertThat(run.err())
                .isEqualTo("promptbatch: --metrics-file textfiles/watched.prom: cannot write in "
                        + dir.resolve("textfiles") + ": read-only file system\n");
        assertThat(server.connections()).isZero();
        assertThat(dir.resolve("out")).doesNotExist();
    }
}

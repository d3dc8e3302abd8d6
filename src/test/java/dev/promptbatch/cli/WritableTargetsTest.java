package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file the run could not write is refused before any server is contacted: the server here would hang every check,
 * so a run that got as far as contacting it would not end for 30 s.
 */
class WritableTargetsTest {
    @TempDir
    Path dir;

    private SilentServer server;
    private JobFixture job;

    @BeforeEach
    void setUp() {
        server = SilentServer.start();
        job = new JobFixture(dir, server.url());
        job.write("input/a.csv", "text\nhello\nworld\n");
        job.write("jobs/a.yaml", """
                name: a
                input: input/a.csv
                model: llama3.2:3b
                prompt: "{{text}}"
                output: out/a.jsonl
                report: out/a.html
                """);
    }

    @AfterEach
    void tearDown() throws IOException {
        server.close();
    }

    @Test
    void anEmptyFolderAtTheOutputPathIsRefusedAndKept() throws IOException {
        Files.createDirectories(dir.resolve("out/a.jsonl"));

        assertRefused("cannot write the output " + dir.resolve("out/a.jsonl") + ": it is a folder, not a file");
        assertThat(dir.resolve("out/a.jsonl")).isEmptyDirectory();
        assertThat(dir.resolve("out/a.manifest.json")).doesNotExist();
    }

    @Test
    void aFolderWithFilesAtTheOutputPathIsRefusedAndKept() {
        job.write("out/a.jsonl/notes.txt", "mine\n");

        assertRefused("cannot write the output " + dir.resolve("out/a.jsonl") + ": it is a folder, not a file");
        assertThat(job.lines("out/a.jsonl/notes.txt")).containsExactly("mine");
        assertThat(dir.resolve("out/a.manifest.json")).doesNotExist();
    }

    @Test
    void aFolderWhereTheErrorsFileManifestSummaryOrReportGoesIsRefused() throws IOException {
        for (String[] target : new String[][] {
            {"errors file", "out/a.errors.jsonl"},
            {"summary", "out/a.summary.csv"},
            {"manifest", "out/a.manifest.json"},
            {"report", "out/a.html"}
        }) {
            Path folder = Files.createDirectories(dir.resolve(target[1]));
            assertRefused("cannot write the " + target[0] + " " + folder + ": it is a folder, not a file");
            Files.delete(folder);
        }
    }

    @Test
    void anOutputFolderThatIsAFileIsRefused() {
        job.write("out", "not a folder\n");

        assertRefused("cannot write the output " + dir.resolve("out/a.jsonl") + ": " + dir.resolve("out")
                + " is a file, not a folder");
    }

    @Test
    void aDatabaseFolderThatIsAFileIsRefused() {
        job.write("state", "not a folder\n");

        assertRefused("cannot write the job database at " + dir.resolve("state/db") + ": " + dir.resolve("state")
                + " is a file, not a folder");
    }

    private void assertRefused(String message) {
        assertThat(job.run("run", "jobs/a.yaml")).isEqualTo(2);
        assertThat(job.err).isEqualTo("promptbatch: " + message + System.lineSeparator());
        assertThat(job.out).isEmpty();
        assertThat(server.connections()).isZero();
    }
}

package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** README's examples, run as written in a copy of the example jobs and inputs. */
class ReadmeExamplesTest {
    private static final String COMMAND = "bin/promptbatch ";

    @TempDir
    Path dir;

    @Test
    void theDiffExampleRunsAsWrittenOnTheExampleJobs() throws IOException {
        copy(Path.of("jobs"), dir.resolve("jobs"));
        copy(Path.of("input"), dir.resolve("input"));
        JobFixture job = new JobFixture(dir, null);
        List<String> block = codeBlockAfter("### `diff A B`");
        assertThat(block).isNotEmpty();

        String lastCommand = null;
        int lastExit = -1;
        for (String line : block) {
            if (line.startsWith(COMMAND)) {
                lastCommand = line;
                lastExit = job.runAsIs(line.substring(COMMAND.length()).split(" +"));
                assertThat(lastExit).as(line + "\n" + job.err).isIn(0, 1);
            } else if (line.startsWith("cp ")) {
                String[] files = line.split(" +");
                Files.copy(dir.resolve(files[1]), dir.resolve(files[2]));
            } else {
                assertThat(job.out).as(lastCommand).contains(line);
            }
        }
        assertThat(lastCommand).startsWith(COMMAND + "diff ");
        assertThat(lastExit).isZero();
    }

    private static List<String> codeBlockAfter(String heading) throws IOException {
        List<String> readme = Files.readAllLines(Path.of("README.md"));
        int start = readme.indexOf(heading);
        assertThat(start).as(heading).isNotNegative();
        List<String> block = new ArrayList<>();
        boolean inside = false;
        for (String line : readme.subList(start + 1, readme.size())) {
            if (line.startsWith("```")) {
                if (inside) {
                    return block;
                }
                inside = true;
            } else if (inside && !line.isBlank()) {
                block.add(line.trim());
            }
        }
        return block;
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }
}

package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

class CliEnvironmentTest {
    private final CliEnvironment environment = new CliEnvironment(
            Map.of(), Path.of("/srv/jobs"), new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));

    @Test
    void aFileBelowTheWorkingDirectoryIsShownRelativeToItAndAnyOtherAbsolute() {
        assertThat(environment.shown(Path.of("/srv/jobs/output/o.jsonl"))).isEqualTo(Path.of("output/o.jsonl"));
        assertThat(environment.shown(Path.of("/srv/jobs/input/../output/o.jsonl")))
                .isEqualTo(Path.of("output/o.jsonl"));
        assertThat(environment.shown(Path.of("/tmp/m/res.jsonl"))).isEqualTo(Path.of("/tmp/m/res.jsonl"));
        assertThat(environment.shown(Path.of("/srv/jobs2/o.jsonl"))).isEqualTo(Path.of("/srv/jobs2/o.jsonl"));
    }
}

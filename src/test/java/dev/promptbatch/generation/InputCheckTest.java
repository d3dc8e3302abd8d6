package dev.promptbatch.generation;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.promptbatch.input.InputException;
import dev.promptbatch.spec.JobSpec;
import dev.promptbatch.spec.SpecException;
import dev.promptbatch.spec.SpecLoader;

class InputCheckTest {
    @TempDir
    Path dir;

    @Test
    void aHeaderIsReadWithinMaxRecordSizeNotTheDefault() throws IOException {
        // 1.5 MiB of column names: over the default limit of 1 MiB, within the spec's 2 MiB.
        StringBuilder header = new StringBuilder("text");
        for (int column = 0; header.length() < 3 << 19; column++) {
            header.append(",column_with_a_long_name_").append(column);
        }
        Files.writeString(dir.resolve("in.csv"), header + "\n");
        assertThatCode(() -> InputCheck.check(spec("max-record-size: 2MiB\n"))).doesNotThrowAnyException();

        Files.writeString(dir.resolve("in.csv"), "text," + "x".repeat(100) + "\n");
        assertThatThrownBy(() -> InputCheck.check(spec("max-record-size: 64\n")))
                .isInstanceOf(InputException.class)
                .hasMessage(dir.resolve("job.yaml") + ": input: " + dir.resolve("in.csv")
                        + ": line 1 (header): line longer than 64 bytes");
    }

    @Test
    void aMissingInputFileIsNamedWithTheSpecAndItsKey() throws IOException {
        JobSpec spec = spec("");
        assertThatThrownBy(() -> InputCheck.check(spec))
                .isInstanceOf(InputException.class)
                .hasMessage(
                        dir.resolve("job.yaml") + ": input: " + dir.resolve("in.csv") + ": cannot open: no such file");
    }

    @Test
    void columnsTheTemplatesNameButTheHeaderLacksAreOneMistake() throws IOException {
        Files.writeString(dir.resolve("in.csv"), "id,body\n1,hello\n");
        assertThatThrownBy(() -> InputCheck.check(spec("id-field: sku\ninclude: [title]\n")))
                .isInstanceOf(SpecException.class)
                .hasMessage(dir.resolve("job.yaml") + ": prompt uses {{text}}; id-field is 'sku'; include names "
                        + "'title', but " + dir.resolve("in.csv") + " has no such column (columns: id, body)");
    }

    private JobSpec spec(String extra) throws IOException {
        Path file = dir.resolve("job.yaml");
        Files.writeString(file, "name: j\ninput: in.csv\nmodel: m\nprompt: \"{{text}}\"\noutput: out.jsonl\n" + extra);
        return new SpecLoader(dir).load(file, Map.of(), Map.of());
    }
}

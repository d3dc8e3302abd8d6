package dev.promptbatch.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalInt;

import org.junit.jupiter.api.Test;

import tools.jackson.dataformat.yaml.YAMLMapper;

class SpecLinesTest {
    private static final String SPEC = """
            name: lines
            options:
              temperature: 0
              num_predict: 64
            messages:
              - role: system
                content: "Be brief."
              - {role: user, content: "{{text}}"}
            retry: {max-attempts: 3}
            """;

    @Test
    void eachKeyHasTheLineItIsOnByTheNameMessagesGiveIt() {
        SpecLines lines = SpecLines.of(YAMLMapper.builder().build(), SPEC);

        assertThat(lines.line("name")).isEqualTo(OptionalInt.of(1));
        assertThat(lines.line("options")).isEqualTo(OptionalInt.of(2));
        assertThat(lines.line("options.num_predict")).isEqualTo(OptionalInt.of(4));
        assertThat(lines.line("messages[1].content")).isEqualTo(OptionalInt.of(7));
        assertThat(lines.line("messages[2].role")).isEqualTo(OptionalInt.of(8));
        assertThat(lines.line("retry.max-attempts")).isEqualTo(OptionalInt.of(9));
        assertThat(lines.line("model")).isEmpty();
        assertThat(SpecLines.NONE.line("name")).isEmpty();
    }
}

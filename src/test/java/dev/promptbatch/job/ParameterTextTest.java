package dev.promptbatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ParameterTextTest {
    @Test
    void joinsTheUsersParametersInOrderAndLeavesOutPromptBatchsOwn() {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("date", "2026-11-21");
        parameters.put("promptbatch.run", "3");
        parameters.put("lang", "en");

        assertThat(ParameterText.of(parameters, ", ")).isEqualTo("date=2026-11-21, lang=en");
        assertThat(ParameterText.of(parameters, ",")).isEqualTo("date=2026-11-21,lang=en");
        assertThat(ParameterText.afterJobName(parameters)).isEqualTo(" (date=2026-11-21, lang=en)");
    }

    @Test
    void noParametersIsAnEmptyText() {
        assertThat(ParameterText.of(Map.of(), ", ")).isEmpty();
        assertThat(ParameterText.of(Map.of("promptbatch.run", "3"), ",")).isEmpty();
        assertThat(ParameterText.afterJobName(Map.of("promptbatch.run", "3"))).isEmpty();
    }
}

package dev.promptbatch.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.OffsetDateTime;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GoFormatsTest {

    @ParameterizedTest
    @CsvSource({
        "0, 0",
        "10m, 600000000000",
        "1h30m, 5400000000000",
        "1.5s, 1500000000",
        "-1m, -60000000000",
        "+2ms, 2000000",
        "300us, 300000",
        "7ns, 7",
    })
    void parsesGoDurations(String text, long nanos) {
        assertThat(GoFormats.parseDuration(text)).isEqualTo(nanos);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "3600 | time: missing unit in duration \"3600\"",
                "-1 | time: missing unit in duration \"-1\"",
                "abc | time: invalid duration \"abc\"",
                "'' | time: invalid duration \"\"",
                "3x | time: unknown unit \"x\" in duration \"3x\"",
                "1..5s | time: invalid duration \"1..5s\"",
            })
    void rejectsWhatGoRejectsWithGosMessage(String text, String message) {
        assertThatThrownBy(() -> GoFormats.parseDuration(text)).hasMessage(message);
    }

    @ParameterizedTest
    @CsvSource({
        "2026-08-21T10:15:30Z, 2026-08-21T10:15:30Z",
        "2026-08-21T10:15:30.120Z, 2026-08-21T10:15:30.12Z",
        "2026-08-21T10:15:30.123456789+02:00, 2026-08-21T10:15:30.123456789+02:00",
    })
    void formatsRfc3339NanoWithTrimmedFractions(String time, String expected) {
        assertThat(GoFormats.rfc3339Nano(OffsetDateTime.parse(time))).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "seed | \"seed\"",
                "say \"hi\" | \"say \\\"hi\\\"\"",
                "a\\b | \"a\\\\b\"",
            })
    void quotesLikeGo(String text, String quoted) {
        assertThat(GoFormats.quote(text)).isEqualTo(quoted);
    }
}

package dev.promptbatch.progress;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.promptbatch.outcome.Cell;
import dev.promptbatch.progress.ProgressFacts.ServerLoad;

class ProgressLineTest {
    private static final List<ServerLoad> ONE_SERVER = List.of(new ServerLoad("http://127.0.0.1:11434", 4));
    private static final List<ServerLoad> TWO_SERVERS =
            List.of(new ServerLoad("http://gpu-a:11434", 2), new ServerLoad("http://gpu-b:11434", 3));

    /** The second of eight passes, a third of the way through the run. */
    private static ProgressFacts sweep(List<ServerLoad> inFlight) {
        return new ProgressFacts(
                new Cell("llama3.2:3b", 1, 42L, null),
                2,
                8,
                120,
                384L,
                118,
                2,
                95.3,
                Duration.ofSeconds(114),
                inFlight);
    }

    /** A run of one pass that has only started: the input not counted yet, no pace to tell. */
    private static ProgressFacts starting() {
        return new ProgressFacts(new Cell("qwen2.5:7b", null, null, null), 1, 1, 0, null, 0, 0, null, null, ONE_SERVER);
    }

    @Test
    void anOpenAiBatchFileWhoseLinesNameTheirModelsShowsThatInPlaceOfAModel() {
        ProgressFacts facts = new ProgressFacts(
                new Cell(null, null, 7L, null), 1, 2, 10, 40L, 10, 0, 60.0, Duration.ofSeconds(30), ONE_SERVER);

        assertThat(ProgressLine.terminal(facts, 120))
                .isEqualTo("each line's model seed 7 (1/2)  10/40  10 answered  0 failed  60.0/min  ETA 30s"
                        + "  in flight 4");
    }

    @Test
    void aWideTerminalShowsEveryFact() {
        assertThat(ProgressLine.terminal(sweep(ONE_SERVER), 120))
                .isEqualTo("llama3.2:3b v1 seed 42 (2/8)  120/384  118 answered  2 failed  95.3/min  ETA 1m54s"
                        + "  in flight 4");
    }

    @Test
    void severalServersShowTheirRequestsInFlightEach() {
        assertThat(ProgressLine.terminal(sweep(TWO_SERVERS), 120)).endsWith("ETA 1m54s  in flight 2+3");
    }

    @Test
    void whatIsNotKnownYetShowsAsAQuestionMarkOrADash() {
        assertThat(ProgressLine.terminal(starting(), 120))
                .isEqualTo("qwen2.5:7b  0/?  0 answered  0 failed  -/min  ETA ?  in flight 4");
    }

    @Test
    void aNarrowerTerminalLeavesOutTheLeastTellingFactsFirst() {
        assertThat(ProgressLine.terminal(sweep(ONE_SERVER), 80))
                .isEqualTo("llama3.2:3b v1 seed 42 (2/8)  120/384  2 failed  95.3/min  ETA 1m54s");
        assertThat(ProgressLine.terminal(sweep(ONE_SERVER), 60))
                .isEqualTo("llama3.2:3b v1 seed 42 (2/8)  120/384  2 failed  ETA 1m54s");
        assertThat(ProgressLine.terminal(sweep(ONE_SERVER), 50)).isEqualTo("llama3.2:3b  120/384  2 failed  ETA 1m54s");
    }

    @Test
    void fortyColumnsCutTheModelNameAndKeepTheCountsAndTheEta() {
        String line = ProgressLine.terminal(sweep(ONE_SERVER), 40);

        assertThat(line).isEqualTo("llama3.2~  120/384  2 failed  ETA 1m54s");
        assertThat(line).hasSize(39);
    }

    @Test
    void theLineNeverReachesTheLastColumnWhateverTheWidth() {
        for (int columns = 1; columns <= 130; columns++) {
            for (ProgressFacts facts : List.of(sweep(ONE_SERVER), sweep(TWO_SERVERS), starting())) {
                assertThat(ProgressLine.terminal(facts, columns))
                        .as("%d columns", columns)
                        .hasSizeLessThanOrEqualTo(Math.max(1, columns - 1))
                        .isNotEmpty()
                        .doesNotContain("\n", "\r", "\t");
            }
        }
        assertThat(ProgressLine.terminal(sweep(ONE_SERVER), 20)).isEqualTo("120/384  ETA 1m54s");
        assertThat(ProgressLine.terminal(sweep(ONE_SERVER), 8)).isEqualTo("120/384");
        assertThat(ProgressLine.terminal(sweep(ONE_SERVER), 5)).isEqualTo("120/");
    }

    @Test
    void theLogLineSaysEveryFactInWords() {
        assertThat(ProgressLine.log(sweep(ONE_SERVER)))
                .isEqualTo("llama3.2:3b variant 1 seed 42 (pass 2 of 8): 120 of 384 records done, 118 answered,"
                        + " 2 failed, 95.3 answers/min over the last minute, ETA 1 min 54 s, in flight 4");
        assertThat(ProgressLine.log(sweep(TWO_SERVERS)))
                .endsWith(", in flight 2 at http://gpu-a:11434, 3 at http://gpu-b:11434");
        assertThat(ProgressLine.log(starting()))
                .isEqualTo("qwen2.5:7b: 0 of ? (the input is being counted) records done, 0 answered, 0 failed,"
                        + " - answers/min over the last minute, ETA unknown, in flight 4");
    }

    @Test
    void theLogLineHasNoControlCharacters() {
        assertThat(ProgressLine.log(sweep(TWO_SERVERS)).chars()).allMatch(c -> c >= 0x20 && c != 0x7f);
    }

    @Test
    void anEtaIsShortAndInWholeUnits() {
        assertThat(ProgressLine.compact(Duration.ZERO)).isEqualTo("0s");
        assertThat(ProgressLine.compact(Duration.ofMillis(41_200))).isEqualTo("42s");
        assertThat(ProgressLine.compact(Duration.ofSeconds(185))).isEqualTo("3m05s");
        assertThat(ProgressLine.compact(Duration.ofSeconds(2 * 3600 + 6 * 60 + 1)))
                .isEqualTo("2h07m");
    }
}

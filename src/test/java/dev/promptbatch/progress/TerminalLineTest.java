package dev.promptbatch.progress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class TerminalLineTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream terminal = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String written() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void eachDrawReturnsToTheFirstColumnAndErasesWhatALongerLineLeft() {
        try (TerminalLine line = TerminalLine.on(terminal)) {
            line.show("10/40  ETA 9s");
            line.show("12/40");
        }

        assertThat(written()).isEqualTo("\r10/40  ETA 9s\033[K" + "\r12/40\033[K" + "\r\033[K");
    }

    @Test
    void aLogLineTakesTheLinesPlaceAndTheLineIsDrawnAgainBelowIt() {
        try (TerminalLine line = TerminalLine.on(terminal)) {
            line.show("10/40");
            TerminalLine.writeAbove(() -> terminal.print("12:00:00 WARN  server away\n"));
        }

        assertThat(written())
                .isEqualTo("\r10/40\033[K" + "\r\033[K" + "12:00:00 WARN  server away\n" + "10/40\033[K" + "\r\033[K");
    }

    @Test
    void withoutALineShownALogLineIsWrittenAsItIs() {
        TerminalLine.writeAbove(() -> terminal.print("before\n"));
        try (TerminalLine line = TerminalLine.on(terminal)) {
            TerminalLine.writeAbove(() -> terminal.print("nothing drawn yet\n"));
        }
        TerminalLine.writeAbove(() -> terminal.print("after\n"));

        assertThat(written()).isEqualTo("before\nnothing drawn yet\nafter\n");
    }
}

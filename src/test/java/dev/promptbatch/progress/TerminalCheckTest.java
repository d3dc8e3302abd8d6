package dev.promptbatch.progress;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TerminalCheckTest {
    @Test
    void withoutAConsoleThereIsNoTerminal() {
        assertThat(TerminalCheck.decide(false, null, "xterm-256color")).isFalse();
    }

    @Test
    void beforeJdk22AConsoleIsATerminal() {
        // System.console() is null up to JDK 21 unless stdin and stdout are both a terminal.
        assertThat(TerminalCheck.decide(true, null, "xterm-256color")).isTrue();
    }

    @Test
    void fromJdk22AConsoleIsATerminalOnlyWhenItSaysSo() {
        // JDK 22 to 24 return a console when the streams are redirected; Console.isTerminal() tells.
        assertThat(TerminalCheck.decide(true, false, "xterm-256color")).isFalse();
        assertThat(TerminalCheck.decide(true, true, "xterm-256color")).isTrue();
    }

    @Test
    void aDumbTerminalCannotRedrawALine() {
        assertThat(TerminalCheck.decide(true, true, "dumb")).isFalse();
        assertThat(TerminalCheck.decide(true, null, null)).isTrue();
    }

    @Test
    void theTestsOwnOutputGoesToFilesNotATerminal() {
        assertThat(TerminalCheck.interactive("xterm-256color")).isFalse();
    }
}

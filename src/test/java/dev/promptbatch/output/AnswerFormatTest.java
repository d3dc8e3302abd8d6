package dev.promptbatch.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.promptbatch.outcome.Cell;
import dev.promptbatch.outcome.Failure;
import dev.promptbatch.outcome.FailureKind;

class AnswerFormatTest {
    private static final Cell CELL = new Cell("llama3.2", 1, null, null);

    @Test
    void anErrorLineNamesItsKindAsTheErrorsFileAlwaysHas() {
        AnswerFormat format = new AnswerFormat(List.of(), true, false);

        assertThat(FailureKind.values())
                .containsExactly(FailureKind.BAD_RECORD, FailureKind.REJECTED, FailureKind.RETRIES_EXHAUSTED);
        assertThat(format.errorLine(new Failure(7L, 8, CELL, null, FailureKind.BAD_RECORD, "no field 'name'", 0, null)))
                .isEqualTo("""
                        {"id":7,"line":8,"model":"llama3.2","seed":null,"variant":1,"kind":"bad-record",\
                        "message":"no field 'name'","attempts":0}""");
        assertThat(format.errorLine(new Failure(
                        "a", 2, CELL, 42, FailureKind.REJECTED, "HTTP 400: too long", 1, "http://gpu1:11434")))
                .isEqualTo("""
                        {"id":"a","line":2,"model":"llama3.2","seed":42,"variant":1,"kind":"rejected",\
                        "message":"HTTP 400: too long","attempts":1}""");
        assertThat(format.errorLine(new Failure(
                        3L, 4, CELL, null, FailureKind.RETRIES_EXHAUSTED, "timed out", 6, "http://gpu1:11434")))
                .isEqualTo("""
                        {"id":3,"line":4,"model":"llama3.2","seed":null,"variant":1,"kind":"retries-exhausted",\
                        "message":"timed out","attempts":6}""");
    }
}

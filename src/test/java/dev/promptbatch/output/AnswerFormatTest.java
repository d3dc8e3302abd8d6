package dev.promptbatch.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.StringNode;

import dev.promptbatch.outcome.Answer;
import dev.promptbatch.outcome.Cell;
import dev.promptbatch.outcome.Failure;
import dev.promptbatch.outcome.FailureKind;
import dev.promptbatch.outcome.GenerateResponse;

class AnswerFormatTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Cell CELL = new Cell("llama3.2", 1, null, null);

    @Test
    void anErrorLineNamesItsKindAsTheErrorsFileAlwaysHas() {
        AnswerFormat format = new AnswerFormat(List.of(), true, false);

        assertThat(FailureKind.values())
                .containsExactly(
                        FailureKind.BAD_RECORD,
                        FailureKind.REJECTED,
                        FailureKind.RETRIES_EXHAUSTED,
                        FailureKind.INVALID_OUTPUT);
        assertThat(format.errorLine(new Failure(7L, 8, CELL, null, FailureKind.BAD_RECORD, "no field 'name'", 0, null)))
                .isEqualTo("""
                        {"id":7,"line":8,"model":"llama3.2","server":null,"seed":null,"variant":1,"kind":"bad-record",\
                        "message":"no field 'name'","attempts":0}""");
        assertThat(format.errorLine(new Failure(
                        "a", 2, CELL, 42, FailureKind.REJECTED, "HTTP 400: too long", 1, "http://gpu1:11434")))
                .isEqualTo("""
                        {"id":"a","line":2,"model":"llama3.2","server":"http://gpu1:11434","seed":42,"variant":1,"kind":"rejected",\
                        "message":"HTTP 400: too long","attempts":1}""");
        assertThat(format.errorLine(new Failure(
                        3L, 4, CELL, null, FailureKind.RETRIES_EXHAUSTED, "timed out", 6, "http://gpu1:11434")))
                .isEqualTo("""
                        {"id":3,"line":4,"model":"llama3.2","server":"http://gpu1:11434","seed":null,"variant":1,"kind":"retries-exhausted",\
                        "message":"timed out","attempts":6}""");
    }

    @Test
    void anAnswerNamesTheServerThatAnsweredRightAfterItsModelInJsonAndCsv() {
        AnswerFormat format = new AnswerFormat(List.of("topic"), true, false);

        assertThat(format.jsonLine(answer())).isEqualTo("""
                        {"id":"a","line":2,"model":"llama3.2","server":"http://gpu2:11434","seed":7,"variant":1,\
                        "response":"Paris","thinking":null,"done_reason":"stop","prompt_eval_count":5,"eval_count":4,\
                        "total_duration":9000000,"load_duration":0,"prompt_eval_duration":1000000,\
                        "eval_duration":8000000,"tokens_per_second":500.0,"tokens_per_second_source":"server",\
                        "latency_ms":12,"attempts":1,"input":{"topic":"geography"}}""");
        assertThat(format.csvHeader())
                .isEqualTo("id,line,model,server,seed,variant,response,thinking,done_reason,prompt_eval_count,"
                        + "eval_count,total_duration,load_duration,prompt_eval_duration,eval_duration,"
                        + "tokens_per_second,tokens_per_second_source,latency_ms,attempts,input.topic");
        assertThat(format.csvLine(answer()))
                .isEqualTo("a,2,llama3.2,http://gpu2:11434,7,1,Paris,,stop,5,4,9000000,0,1000000,8000000,500.0,server,"
                        + "12,1,geography");
    }

    @Test
    void aCsvRecordFollowsTheColumnsItIsGivenSoThatAnOlderFileKeepsItsLayout() {
        AnswerFormat format = new AnswerFormat(List.of("topic"), true, false);
        List<String> olderColumns = List.of(
                "id",
                "line",
                "model",
                "seed",
                "variant",
                "response",
                "thinking",
                "done_reason",
                "prompt_eval_count",
                "eval_count",
                "total_duration",
                "load_duration",
                "prompt_eval_duration",
                "eval_duration",
                "tokens_per_second",
                "tokens_per_second_source",
                "latency_ms",
                "attempts",
                "input.topic");

        assertThat(format.csvLine(answer(), olderColumns))
                .isEqualTo("a,2,llama3.2,7,1,Paris,,stop,5,4,9000000,0,1000000,8000000,500.0,server,12,1,geography");
        assertThat(format.csvLine(answer(), List.of("id", "retired_column", "server")))
                .isEqualTo("a,,http://gpu2:11434");
    }

    @Test
    void aStructuredAnswerCarriesItsJsonAfterTheResponseAndOneCsvColumnPerSchemaProperty() {
        AnswerFormat format = new AnswerFormat(List.of(), false, false, true, List.of("title", "tags", "price"));
        Answer answer = new Answer(
                "a",
                2,
                new Cell("llama3.2", null, null, null),
                8,
                new GenerateResponse(
                        "{\"title\":\"Mug\",\"tags\":[\"a\",\"b\"]}", null, "stop", 5L, 4L, 9L, 0L, 1L, 8L),
                12,
                3,
                "http://gpu2:11434",
                Map.of(),
                JSON.readTree("{\"title\":\"Mug\",\"tags\":[\"a\",\"b\"]}"),
                1);

        assertThat(format.jsonLine(answer)).startsWith("""
                        {"id":"a","line":2,"model":"llama3.2","server":"http://gpu2:11434","seed":8,\
                        "response":"{\\"title\\":\\"Mug\\",\\"tags\\":[\\"a\\",\\"b\\"]}",\
                        "json":{"title":"Mug","tags":["a","b"]},"thinking":null,""");
        assertThat(format.csvHeader())
                .startsWith("id,line,model,server,seed,response,json.title,json.tags,json.price," + "thinking,");
        assertThat(format.csvLine(answer))
                .startsWith("a,2,llama3.2,http://gpu2:11434,8,\"{\"\"title\"\":\"\"Mug\"\",\"\"tags\"\":[\"\"a\"\","
                        + "\"\"b\"\"]}\",Mug,\"[\"\"a\"\",\"\"b\"\"]\",,,stop,");
        assertThat(format.jsonLine(answer)).endsWith("\"latency_ms\":12,\"attempts\":3,\"reasks\":1}");
        assertThat(format.csvHeader()).endsWith(",latency_ms,attempts,reasks");
        assertThat(format.csvLine(answer)).endsWith(",12,3,1");
    }

    private static Answer answer() {
        return new Answer(
                "a",
                2,
                CELL,
                7,
                new GenerateResponse("Paris", null, "stop", 5L, 4L, 9_000_000L, 0L, 1_000_000L, 8_000_000L),
                12,
                1,
                "http://gpu2:11434",
                Map.of("topic", StringNode.valueOf("geography")));
    }
}

package dev.promptbatch.structured;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.json.JsonMapper;

/** Answers under a format: parsed, cut short, off the schema; and schemas that cannot check anything. */
class AnswerCheckTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Map<String, Object> PRODUCT = schema("""
            {"type": "object",
             "properties": {"title": {"type": "string"}, "price": {"type": "number", "minimum": 0},
                            "tags": {"type": "array", "items": {"type": "string"}}},
             "required": ["title", "price"], "additionalProperties": false}""");

    @Test
    void aMatchingAnswerIsParsedAndTheSchemaNamesTheColumns() {
        AnswerCheck check = AnswerCheck.of(PRODUCT);

        assertThat(AnswerCheck.properties(PRODUCT)).containsExactly("title", "price", "tags");
        assertThat(check.check("{\"title\":\"Mug\",\"price\":4.5}", "stop"))
                .isEqualTo(new AnswerCheck.Valid(JSON.readTree("{\"title\":\"Mug\",\"price\":4.5}")));
    }

    @Test
    void brokenCutAndOffSchemaAnswersSayWhy() {
        AnswerCheck check = AnswerCheck.of(PRODUCT);

        assertThat(check.check("{\"title\":\"Mug\",\"price\":4.5,}", "stop"))
                .isInstanceOfSatisfying(
                        AnswerCheck.Invalid.class, i -> assertThat(i.problem()).startsWith("not JSON: "));
        assertThat(check.check("{\"title\":\"Mug\",\"price\":4.5}", "length"))
                .isEqualTo(new AnswerCheck.Invalid("the answer was cut short (done_reason: length)"));
        assertThat(check.check("{\"title\":\"Mug\"} trailing", "stop"))
                .isInstanceOfSatisfying(
                        AnswerCheck.Invalid.class, i -> assertThat(i.problem()).startsWith("not JSON: "));
        assertThat(check.check("", "stop")).isEqualTo(new AnswerCheck.Invalid("not JSON: the answer is empty"));
        assertThat(check.check("{\"title\":\"Mug\",\"price\":-1}", "stop"))
                .isEqualTo(
                        new AnswerCheck.Invalid("does not match the schema: /price: must have a minimum value of 0"));
        assertThat(check.check("{\"price\":\"4\"}", "stop"))
                .isEqualTo(new AnswerCheck.Invalid("does not match the schema: /price: string found, number expected; "
                        + "required property 'title' not found"));
    }

    @Test
    void formatJsonOnlyAsksThatTheAnswerParses() {
        AnswerCheck check = AnswerCheck.of("json");

        assertThat(AnswerCheck.properties("json")).isEmpty();
        assertThat(check.check("[1, 2]", "stop")).isEqualTo(new AnswerCheck.Valid(JSON.readTree("[1,2]")));
        assertThat(check.check("{\"a\":", "stop")).isInstanceOf(AnswerCheck.Invalid.class);
    }

    @Test
    void aSchemaThatNamesAnOlderDraftIsCheckedAgainstThatDraftsMetaSchema() {
        Map<String, Object> draft07 = schema("""
                {"$schema": "http://json-schema.org/draft-07/schema#", "type": "array",
                 "items": [{"type": "string"}, {"type": "number"}]}""");
        Map<String, Object> draft04 = schema("""
                {"$schema": "http://json-schema.org/draft-04/schema#", "type": "number", "maximum": 5,
                 "exclusiveMaximum": true}""");

        assertThat(AnswerCheck.of(draft07).check("[\"mug\", 4.5]", "stop")).isInstanceOf(AnswerCheck.Valid.class);
        assertThat(AnswerCheck.of(draft07).check("[4.5, \"mug\"]", "stop")).isInstanceOf(AnswerCheck.Invalid.class);
        assertThat(AnswerCheck.of(draft04).check("4", "stop")).isInstanceOf(AnswerCheck.Valid.class);
        assertThat(AnswerCheck.of(draft04).check("5", "stop")).isInstanceOf(AnswerCheck.Invalid.class);
        assertThatThrownBy(() -> AnswerCheck.of(schema("{\"$schema\": \"https://example.com/mine\"}")))
                .isInstanceOf(InvalidSchemaException.class)
                .hasMessageStartingWith("unknown $schema 'https://example.com/mine': name one of");
        assertThatThrownBy(() -> AnswerCheck.of(
                        schema("{\"$schema\": \"http://json-schema.org/draft-07/schema#\", \"type\": \"objekt\"}")))
                .hasMessageStartingWith("not a valid JSON Schema (draft-07): ");
    }

    @Test
    void aKeywordNoDraftKnowsIsRefusedWithTheOneMeantWhereverItIs() {
        assertThatThrownBy(() -> AnswerCheck.of(schema("{\"typ\": \"object\"}")))
                .isInstanceOf(InvalidSchemaException.class)
                .hasMessage("unknown keyword 'typ' at the top (did you mean 'type'?); a JSON Schema ignores keywords "
                        + "it does not know, so it would not check the answers (write x-NAME for a keyword of your "
                        + "own)");
        assertThatThrownBy(() -> AnswerCheck.of(schema(
                        "{\"type\": \"object\", \"properties\": {\"typ\": {\"type\": \"string\", \"maxLenght\": 3}}}")))
                .hasMessageStartingWith("unknown keyword 'maxLenght' at /properties/typ (did you mean 'maxLength'?)");
        assertThat(AnswerCheck.of(schema("{\"type\": \"object\", \"x-origin\": \"catalogue\"}"))
                        .check("{}", "stop"))
                .isInstanceOf(AnswerCheck.Valid.class);
    }

    @Test
    void aSchemaTheMetaSchemaRefusesIsNamedWithItsProblem() {
        assertThatThrownBy(() -> AnswerCheck.of(schema("{\"type\": \"objet\"}")))
                .isInstanceOf(InvalidSchemaException.class)
                .hasMessageStartingWith("not a valid JSON Schema (draft 2020-12): ");
        assertThatThrownBy(() -> AnswerCheck.of(schema("{\"required\": \"title\"}")))
                .hasMessageStartingWith("not a valid JSON Schema (draft 2020-12): ");
    }

    @Test
    void aBadAnswerIsShownUpToTwoKibibytesNeverCutInsideACharacter() {
        assertThat(AnswerCheck.excerpt("{\"a\":")).isEqualTo("{\"a\":");
        assertThat(AnswerCheck.excerpt("x".repeat(2048))).isEqualTo("x".repeat(2048));
        assertThat(AnswerCheck.excerpt("x".repeat(3000))).isEqualTo("x".repeat(2048) + "...");
        // 2047 one-byte characters, then a two-byte one that would end at byte 2049.
        assertThat(AnswerCheck.excerpt("x".repeat(2047) + "é" + "y".repeat(10))).isEqualTo("x".repeat(2047) + "...");
        assertThat(AnswerCheck.excerpt("€".repeat(700))).isEqualTo("€".repeat(682) + "...");
    }

    @Test
    void oneCheckServesManyThreadsAtOnce() throws Exception {
        AnswerCheck check = AnswerCheck.of(PRODUCT);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                String answer = i % 2 == 0 ? "{\"title\":\"t" + i + "\",\"price\":" + i + "}" : "{\"price\":" + i + "}";
                results.add(pool.submit(() -> check.check(answer, "stop") instanceof AnswerCheck.Valid));
            }
            for (int i = 0; i < results.size(); i++) {
                assertThat(results.get(i).get()).as("answer %d", i).isEqualTo(i % 2 == 0);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> schema(String json) {
        return JSON.readValue(json, Map.class);
    }
}

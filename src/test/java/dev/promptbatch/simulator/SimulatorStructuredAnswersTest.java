package dev.promptbatch.simulator;

import static dev.promptbatch.simulator.SimulatorClient.JSON;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Structured answers ({@code format}) over real HTTP, checked with a real JSON Schema validator: good answers match
 * the schema, and the bad ones at {@code invalidJsonRate} are exactly those {@link OllamaSimulator#answerQuality}
 * predicts.
 */
class SimulatorStructuredAnswersTest {

    private static final String LLAMA = "llama3.2:3b";

    private static final JsonNode PRODUCT_SCHEMA = JSON.readTree("""
            {
              "type": "object",
              "properties": {
                "name": {"type": "string", "minLength": 3, "maxLength": 40},
                "price": {"type": "number", "minimum": 0.5, "exclusiveMaximum": 500},
                "stock": {"type": "integer", "minimum": 1, "maximum": 9},
                "available": {"type": "boolean"},
                "size": {"enum": ["S", "M", "L"]},
                "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 4},
                "maker": {
                  "type": "object",
                  "properties": {"country": {"type": "string"}, "founded": {"type": "integer"}},
                  "required": ["country"],
                  "additionalProperties": false
                },
                "released": {"type": "string", "format": "date"},
                "note": {"type": ["string", "null"]}
              },
              "required": ["name", "price", "stock", "available", "size", "tags", "maker"],
              "additionalProperties": false
            }
            """);

    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(
            SpecificationVersion.DRAFT_2020_12,
            builder -> builder.schemaRegistryConfig(
                    SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));

    private final Schema schema = REGISTRY.getSchema(PRODUCT_SCHEMA);

    private OllamaSimulator simulator;
    private SimulatorClient client;

    @BeforeEach
    void start() throws Exception {
        start(0);
    }

    private void start(double invalidJsonRate) throws Exception {
        simulator = OllamaSimulator.start(SimulatorTestSettings.instant()
                .withModels(List.of(LLAMA))
                .withMedianTokens(20)
                .withInvalidJsonRate(invalidJsonRate));
        client = new SimulatorClient(simulator);
    }

    @AfterEach
    void stop() {
        simulator.close();
    }

    private static ObjectNode chat(String prompt, long seed, JsonNode format) {
        ObjectNode body = JSON.createObjectNode().put("model", LLAMA).put("stream", false);
        body.putArray("messages").addObject().put("role", "user").put("content", prompt);
        body.set("format", format);
        body.putObject("options").put("seed", seed);
        return body;
    }

    private static ObjectNode generate(String prompt, long seed, JsonNode format) {
        ObjectNode body = SimulatorClient.generate(LLAMA, prompt);
        body.set("format", format);
        body.putObject("options").put("seed", seed);
        return body;
    }

    /** The answer's text and done_reason. */
    private record Answer(String text, String doneReason) {}

    private Answer ask(Endpoint endpoint, JsonNode request) throws Exception {
        HttpResponse<String> response = client.post(endpoint.path(), request);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(response.body());
        String text = endpoint == Endpoint.CHAT
                ? answer.get("message").get("content").stringValue()
                : answer.get("response").stringValue();
        return new Answer(text, answer.get("done_reason").stringValue());
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (JacksonException e) {
            return null;
        }
    }

    @Test
    void schemaAnswersAlwaysMatchTheSchemaWhenNoneAreBad() throws Exception {
        for (int i = 0; i < 60; i++) {
            Endpoint endpoint = i % 2 == 0 ? Endpoint.CHAT : Endpoint.GENERATE;
            JsonNode request = endpoint == Endpoint.CHAT
                    ? chat("Describe product " + i, i, PRODUCT_SCHEMA)
                    : generate("Describe product " + i, i, PRODUCT_SCHEMA);

            Answer answer = ask(endpoint, request);

            JsonNode parsed = parse(answer.text());
            assertThat(parsed).as(answer.text()).isNotNull();
            List<Error> errors = schema.validate(parsed);
            assertThat(errors).as(answer.text()).isEmpty();
            assertThat(answer.doneReason()).isEqualTo("stop");
            assertThat(simulator.answerIsValid(endpoint, request)).isTrue();
        }
    }

    @Test
    void theSameSeedAndPromptGiveTheSameStructuredAnswer() throws Exception {
        Answer first = ask(Endpoint.CHAT, chat("Describe a lamp", 3, PRODUCT_SCHEMA));
        Answer again = ask(Endpoint.CHAT, chat("Describe a lamp", 3, PRODUCT_SCHEMA));
        Answer otherSeed = ask(Endpoint.CHAT, chat("Describe a lamp", 4, PRODUCT_SCHEMA));

        assertThat(again).isEqualTo(first);
        assertThat(otherSeed.text()).isNotEqualTo(first.text());
    }

    @Test
    void formatJsonAnswersAJsonObject() throws Exception {
        Answer answer = ask(
                Endpoint.CHAT, chat("Answer in JSON", 1, JSON.getNodeFactory().stringNode("json")));

        assertThat(parse(answer.text()).isObject()).isTrue();
    }

    @Test
    void badAnswersAreExactlyThePredictedOnesAndBadInThePredictedWay() throws Exception {
        stop();
        start(0.2);
        Map<AnswerQuality, Integer> seen = new EnumMap<>(AnswerQuality.class);
        List<String> predictedInvalidOnlyAtFirstSeed = new ArrayList<>();
        int requests = 200;
        for (int i = 0; i < requests; i++) {
            String prompt = "Describe product " + i;
            JsonNode request = chat(prompt, 100 + i, PRODUCT_SCHEMA);
            AnswerQuality predicted = simulator.answerQuality(Endpoint.CHAT, request);

            Answer answer = ask(Endpoint.CHAT, request);

            seen.merge(predicted, 1, Integer::sum);
            JsonNode parsed = parse(answer.text());
            switch (predicted) {
                case VALID -> {
                    assertThat(parsed).as(answer.text()).isNotNull();
                    assertThat(schema.validate(parsed)).as(answer.text()).isEmpty();
                    assertThat(answer.doneReason()).isEqualTo("stop");
                }
                case BROKEN_JSON -> {
                    assertThat(parsed).as(answer.text()).isNull();
                    assertThat(answer.doneReason()).isEqualTo("stop");
                }
                case CUT_SHORT -> {
                    assertThat(parsed).as(answer.text()).isNull();
                    assertThat(answer.doneReason()).isEqualTo("length");
                }
                case SCHEMA_MISMATCH -> {
                    assertThat(parsed).as(answer.text()).isNotNull();
                    assertThat(schema.validate(parsed)).as(answer.text()).isNotEmpty();
                    assertThat(answer.doneReason()).isEqualTo("stop");
                }
            }
            boolean nextSeedValid = simulator.answerIsValid(Endpoint.CHAT, chat(prompt, 101 + i, PRODUCT_SCHEMA));
            if (predicted != AnswerQuality.VALID && nextSeedValid) {
                predictedInvalidOnlyAtFirstSeed.add(prompt);
            }
        }
        int invalid = requests - seen.getOrDefault(AnswerQuality.VALID, 0);
        assertThat(invalid).isBetween(20, 60); // 20% of 200, give or take
        assertThat(seen.keySet()).containsExactlyInAnyOrder(AnswerQuality.values());
        // A re-ask with the next seed can succeed: the choice follows the seed, not only the prompt.
        assertThat(predictedInvalidOnlyAtFirstSeed).isNotEmpty();
    }

    @Test
    void withoutASchemaBadAnswersAreBrokenOrCutButNeverOffSchema() throws Exception {
        stop();
        start(0.5);
        JsonNode json = JSON.getNodeFactory().stringNode("json");
        for (int i = 0; i < 40; i++) {
            JsonNode request = generate("Answer " + i, i, json);
            AnswerQuality predicted = simulator.answerQuality(Endpoint.GENERATE, request);

            Answer answer = ask(Endpoint.GENERATE, request);

            assertThat(predicted).isNotEqualTo(AnswerQuality.SCHEMA_MISMATCH);
            assertThat(parse(answer.text()) != null).isEqualTo(predicted == AnswerQuality.VALID);
        }
    }

    @Test
    void requestsWithoutFormatAreNeverMadeBad() throws Exception {
        stop();
        start(1);
        ObjectNode request = SimulatorClient.generate(LLAMA, "Tell me a story");

        assertThat(simulator.answerQuality(Endpoint.GENERATE, request)).isEqualTo(AnswerQuality.VALID);
        assertThat(ask(Endpoint.GENERATE, request).doneReason()).isEqualTo("stop");
    }
}

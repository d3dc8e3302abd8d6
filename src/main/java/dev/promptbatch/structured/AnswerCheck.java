package dev.promptbatch.structured;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaException;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Checks answers given under a {@code format}: {@code "json"} (the answer must parse) or a JSON Schema (it must
 * parse and match). Built once per job and shared: the compiled schema and the parser are thread-safe. The schema
 * itself is checked when this is built, so that a spec's mistake is found before any request.
 */
public final class AnswerCheck {
    /** What a check found: the parsed answer, or why it is no good. */
    public sealed interface Verdict permits Valid, Invalid {}

    public record Valid(JsonNode json) implements Verdict {}

    public record Invalid(String problem) implements Verdict {}

    /** The most of a bad answer an errors line keeps, in UTF-8 bytes. */
    public static final int EXCERPT_BYTES = 2048;

    /** Between the problem and the answer in an {@code invalid-output} message: what tells the two apart. */
    public static final String ANSWER_FOLLOWS = "; the answer: ";

    private static final String META_SCHEMA = "https://json-schema.org/draft/2020-12/schema";
    /** The drafts a schema may name in {@code $schema}, each checked against its own meta-schema. */
    private static final Map<String, String> DRAFTS = Map.of(
            "http://json-schema.org/draft-04/schema#",
            "draft-04",
            "http://json-schema.org/draft-06/schema#",
            "draft-06",
            "http://json-schema.org/draft-07/schema#",
            "draft-07",
            "https://json-schema.org/draft/2019-09/schema",
            "draft 2019-09",
            META_SCHEMA,
            "draft 2020-12");

    private static final int ERRORS_SHOWN = 3;
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(
            SpecificationVersion.DRAFT_2020_12,
            builder -> builder.schemaRegistryConfig(
                    SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));

    private final Schema schema;

    private AnswerCheck(Schema schema) {
        this.schema = schema;
    }

    /**
     * The check for a spec's {@code format}: {@code "json"}, or a JSON Schema as a map.
     *
     * @throws InvalidSchemaException when the schema is not a JSON Schema, or has a keyword no draft knows
     */
    public static AnswerCheck of(Object format) {
        if ("json".equals(format)) {
            return new AnswerCheck(null);
        }
        if (!(format instanceof Map<?, ?>)) {
            throw new InvalidSchemaException("expected \"json\" or a JSON Schema object");
        }
        JsonNode node = JSON.valueToTree(format);
        SchemaKeywords.firstUnknown(node).ifPresent(problem -> {
            throw new InvalidSchemaException(problem);
        });
        String metaSchema =
                node.path("$schema").isString() ? node.get("$schema").asString() : META_SCHEMA;
        if (!DRAFTS.containsKey(metaSchema)) {
            throw new InvalidSchemaException("unknown $schema '" + metaSchema + "': name one of "
                    + DRAFTS.keySet().stream().sorted().toList() + ", or leave it out for draft 2020-12");
        }
        List<Error> errors = REGISTRY.getSchema(SchemaLocation.of(metaSchema)).validate(node);
        if (!errors.isEmpty()) {
            // The first error is the one that reads: the others restate it through the meta-schema's alternatives.
            throw new InvalidSchemaException(
                    "not a valid JSON Schema (" + DRAFTS.get(metaSchema) + "): " + describe(errors.subList(0, 1)));
        }
        Schema schema;
        try {
            schema = REGISTRY.getSchema(node);
            schema.initializeValidators();
        } catch (SchemaException | IllegalArgumentException e) {
            throw new InvalidSchemaException("not a JSON Schema this job can use: " + e.getMessage());
        }
        return new AnswerCheck(schema);
    }

    /**
     * The top-level properties of a spec's {@code format} schema, in its order: the {@code json.NAME} columns of a
     * CSV output. None for {@code "json"} or no format.
     */
    public static List<String> properties(Object format) {
        List<String> properties = new ArrayList<>();
        if (format instanceof Map<?, ?> schema && schema.get("properties") instanceof Map<?, ?> named) {
            named.keySet().forEach(name -> properties.add(String.valueOf(name)));
        }
        return List.copyOf(properties);
    }

    /**
     * @param answer     the answer's text
     * @param doneReason Ollama's {@code done_reason}: {@code length} means the answer was cut short
     */
    public Verdict check(String answer, String doneReason) {
        if ("length".equals(doneReason)) {
            return new Invalid("the answer was cut short (done_reason: length)");
        }
        JsonNode json;
        try {
            json = JSON.readTree(answer);
        } catch (JacksonException e) {
            return new Invalid("not JSON: " + e.getOriginalMessage());
        }
        if (json == null || json.isMissingNode()) {
            return new Invalid("not JSON: the answer is empty");
        }
        if (schema == null) {
            return new Valid(json);
        }
        List<Error> errors = schema.validate(json);
        return errors.isEmpty() ? new Valid(json) : new Invalid("does not match the schema: " + describe(errors));
    }

    /**
     * A bad answer as the errors file shows it: at most {@link #EXCERPT_BYTES} in UTF-8, never cut inside a
     * character, and "..." after it when it was cut.
     */
    public static String excerpt(String answer) {
        if (answer.length() * 3L <= EXCERPT_BYTES || answer.getBytes(StandardCharsets.UTF_8).length <= EXCERPT_BYTES) {
            return answer;
        }
        int bytes = 0;
        int end = 0;
        while (end < answer.length()) {
            int codePoint = answer.codePointAt(end);
            int size = codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
            if (bytes + size > EXCERPT_BYTES) {
                break;
            }
            bytes += size;
            end += Character.charCount(codePoint);
        }
        return answer.substring(0, end) + "...";
    }

    private static String describe(List<Error> errors) {
        String shown = errors.stream()
                .limit(ERRORS_SHOWN)
                .map(e -> {
                    String where = e.getInstanceLocation().toString();
                    return (where.isEmpty() ? "" : where + ": ") + e.getMessage();
                })
                .collect(Collectors.joining("; "));
        return errors.size() > ERRORS_SHOWN ? shown + " (and " + (errors.size() - ERRORS_SHOWN) + " more)" : shown;
    }
}

package dev.promptbatch.simulator;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Values that match a JSON Schema, as a grammar-constrained model writes them: every listed property (and no other,
 * as llama.cpp's grammar defaults {@code additionalProperties} to false), values of the declared type within their
 * bounds, one of the {@code enum} values. Covers the keywords llama.cpp's grammar converter honours: {@code type},
 * {@code properties}, {@code required}, {@code items}, {@code minItems}/{@code maxItems}, {@code enum},
 * {@code const}, {@code minLength}/{@code maxLength}, {@code minimum}/{@code maximum} (and exclusive ones),
 * {@code anyOf}/{@code oneOf} (the first choice) and the formats date, date-time, time, uuid and email.
 */
final class SchemaValues {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int MAX_DEPTH = 8;

    private final SplitMix64 random;

    SchemaValues(SplitMix64 random) {
        this.random = random;
    }

    /** A value that matches {@code schema}. */
    JsonNode valueFor(JsonNode schema) {
        return value(schema, 0);
    }

    /**
     * A JSON value that does not match {@code schema}: an object without its first required property, an object
     * whose first property has the wrong type, or a value of another type. Null when the schema accepts anything.
     */
    JsonNode mismatchFor(JsonNode schema) {
        JsonNode good = valueFor(schema);
        JsonNode required = schema.path("required");
        if (good.isObject() && required.isArray() && !required.isEmpty()) {
            ((ObjectNode) good).remove(required.get(0).asString());
            return good;
        }
        if (good.isObject() && !good.isEmpty()) {
            Map.Entry<String, JsonNode> first = good.properties().iterator().next();
            JsonNode propertySchema = schema.path("properties").path(first.getKey());
            JsonNode wrong = otherType(propertySchema, first.getValue());
            if (wrong != null) {
                ((ObjectNode) good).set(first.getKey(), wrong);
                return good;
            }
        }
        return otherType(schema, good);
    }

    /** A value of a type the schema does not allow; null when it allows any type. */
    private static JsonNode otherType(JsonNode schema, JsonNode good) {
        Set<String> allowed = types(schema);
        if (schema.has("enum") || schema.has("const")) {
            return NODES.stringNode("none of the allowed values " + good);
        }
        if (allowed.isEmpty()) {
            return null;
        }
        if (!allowed.contains("string")) {
            return NODES.stringNode("not a " + String.join(" or ", allowed));
        }
        if (!allowed.contains("number") && !allowed.contains("integer")) {
            return NODES.numberNode(42);
        }
        return allowed.contains("object") ? null : NODES.objectNode();
    }

    private JsonNode value(JsonNode schema, int depth) {
        if (schema.has("const")) {
            return schema.get("const");
        }
        JsonNode choices = schema.path("enum");
        if (choices.isArray() && !choices.isEmpty()) {
            return choices.get(random.nextInt(choices.size()));
        }
        for (String combinator : List.of("anyOf", "oneOf")) {
            JsonNode alternatives = schema.path(combinator);
            if (alternatives.isArray() && !alternatives.isEmpty()) {
                return value(alternatives.get(0), depth);
            }
        }
        return switch (type(schema)) {
            case "object" -> object(schema, depth);
            case "array" -> array(schema, depth);
            case "integer" -> NODES.numberNode(integer(schema));
            case "number" -> NODES.numberNode(number(schema));
            case "boolean" -> NODES.booleanNode(random.nextInt(2) == 1);
            case "null" -> NODES.nullNode();
            default -> NODES.stringNode(string(schema));
        };
    }

    private JsonNode object(JsonNode schema, int depth) {
        ObjectNode object = NODES.objectNode();
        if (depth >= MAX_DEPTH) {
            return object;
        }
        for (Map.Entry<String, JsonNode> property : schema.path("properties").properties()) {
            object.set(property.getKey(), value(property.getValue(), depth + 1));
        }
        return object;
    }

    private JsonNode array(JsonNode schema, int depth) {
        ArrayNode array = NODES.arrayNode();
        long min = schema.path("minItems").asLong(0);
        long max = schema.path("maxItems").asLong(Math.max(min, 3));
        long count = depth >= MAX_DEPTH ? min : random.nextLong(min, Math.max(min, Math.min(max, min + 3)));
        JsonNode items = schema.path("items");
        for (long i = 0; i < count; i++) {
            array.add(items.isObject() ? value(items, depth + 1) : NODES.stringNode(AnswerGenerator.word(random)));
        }
        return array;
    }

    private long integer(JsonNode schema) {
        long low =
                schema.has("minimum") ? (long) Math.ceil(schema.get("minimum").asDouble()) : 0;
        if (schema.has("exclusiveMinimum")) {
            low = Math.max(low, (long) Math.floor(schema.get("exclusiveMinimum").asDouble()) + 1);
        }
        long high =
                schema.has("maximum") ? (long) Math.floor(schema.get("maximum").asDouble()) : low + 100;
        if (schema.has("exclusiveMaximum")) {
            high = Math.min(
                    high, (long) Math.ceil(schema.get("exclusiveMaximum").asDouble()) - 1);
        }
        return random.nextLong(low, Math.max(low, high));
    }

    private double number(JsonNode schema) {
        double low =
                schema.path("minimum").asDouble(schema.path("exclusiveMinimum").asDouble(0));
        double high =
                schema.path("maximum").asDouble(schema.path("exclusiveMaximum").asDouble(low + 100));
        // Two decimals, strictly inside exclusive bounds and inside inclusive ones.
        double value = Math.round((low + (high - low) * (0.01 + 0.98 * random.nextDouble())) * 100) / 100.0;
        return Math.min(Math.max(value, low), high);
    }

    private String string(JsonNode schema) {
        String format = schema.path("format").asString("");
        switch (format) {
            case "date" -> {
                return String.format(
                        "20%02d-%02d-%02d", random.nextInt(30), 1 + random.nextInt(12), 1 + random.nextInt(28));
            }
            case "date-time" -> {
                return String.format(
                        "20%02d-%02d-%02dT%02d:%02d:%02dZ",
                        random.nextInt(30),
                        1 + random.nextInt(12),
                        1 + random.nextInt(28),
                        random.nextInt(24),
                        random.nextInt(60),
                        random.nextInt(60));
            }
            case "time" -> {
                return String.format("%02d:%02d:%02dZ", random.nextInt(24), random.nextInt(60), random.nextInt(60));
            }
            case "uuid" -> {
                return new UUID(random.nextLong(), random.nextLong()).toString();
            }
            case "email" -> {
                return AnswerGenerator.word(random) + "@example.com";
            }
            default -> {}
        }
        long minLength = schema.path("minLength").asLong(0);
        long maxLength = schema.path("maxLength").asLong(Long.MAX_VALUE);
        StringBuilder text = new StringBuilder();
        int words = 1 + random.nextInt(6);
        for (int i = 0; i < words || text.length() < minLength; i++) {
            String word = AnswerGenerator.word(random);
            text.append(text.isEmpty() ? Character.toUpperCase(word.charAt(0)) + word.substring(1) : " " + word);
        }
        String value = text.toString();
        if (value.length() > maxLength) {
            value = value.substring(0, (int) maxLength).stripTrailing();
            while (value.length() < minLength) {
                value += "a";
            }
        }
        return value;
    }

    /** The schema's type; the first non-null one of a type list; object when it has properties, else string. */
    private static String type(JsonNode schema) {
        List<String> types = new ArrayList<>(types(schema));
        types.remove("null");
        if (!types.isEmpty()) {
            return types.get(0);
        }
        if (types(schema).contains("null")) {
            return "null";
        }
        return schema.has("properties") ? "object" : schema.has("items") ? "array" : "string";
    }

    private static Set<String> types(JsonNode schema) {
        Set<String> types = new LinkedHashSet<>();
        JsonNode type = schema.path("type");
        if (type.isString()) {
            types.add(type.stringValue());
        }
        for (JsonNode alternative : type) {
            if (alternative.isString()) {
                types.add(alternative.stringValue());
            }
        }
        return types;
    }
}

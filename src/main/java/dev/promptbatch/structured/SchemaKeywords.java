package dev.promptbatch.structured;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import tools.jackson.databind.JsonNode;

import dev.promptbatch.spec.Suggestions;

/**
 * Finds keywords that no JSON Schema draft knows. The meta-schema allows any other keyword (as an annotation), so a
 * typo such as {@code "typ": "object"} passes it and the schema then constrains nothing: every answer would match.
 * Only places that hold a schema are looked at, so property names under {@code properties} are free.
 */
final class SchemaKeywords {
    /** Draft 2020-12's vocabularies, and the older drafts' keywords the validator still reads. */
    static final List<String> KNOWN = List.of(
            "$schema",
            "$id",
            "$ref",
            "$anchor",
            "$dynamicRef",
            "$dynamicAnchor",
            "$vocabulary",
            "$comment",
            "$defs",
            "$recursiveRef",
            "$recursiveAnchor",
            "definitions",
            "id",
            "type",
            "enum",
            "const",
            "properties",
            "patternProperties",
            "additionalProperties",
            "propertyNames",
            "required",
            "dependentRequired",
            "dependentSchemas",
            "dependencies",
            "minProperties",
            "maxProperties",
            "unevaluatedProperties",
            "items",
            "prefixItems",
            "additionalItems",
            "contains",
            "minContains",
            "maxContains",
            "minItems",
            "maxItems",
            "uniqueItems",
            "unevaluatedItems",
            "allOf",
            "anyOf",
            "oneOf",
            "not",
            "if",
            "then",
            "else",
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
            "minLength",
            "maxLength",
            "pattern",
            "format",
            "contentEncoding",
            "contentMediaType",
            "contentSchema",
            "title",
            "description",
            "default",
            "examples",
            "deprecated",
            "readOnly",
            "writeOnly");

    private static final Set<String> ONE_SCHEMA = Set.of(
            "additionalProperties",
            "propertyNames",
            "unevaluatedProperties",
            "items",
            "additionalItems",
            "contains",
            "unevaluatedItems",
            "not",
            "if",
            "then",
            "else",
            "contentSchema");
    private static final Set<String> SCHEMA_LISTS = Set.of("allOf", "anyOf", "oneOf", "prefixItems");
    private static final Set<String> SCHEMA_MAPS =
            Set.of("properties", "patternProperties", "$defs", "definitions", "dependentSchemas");

    private SchemaKeywords() {}

    /** The first unknown keyword, as a problem naming where it is and, when there is one, the keyword meant. */
    static Optional<String> firstUnknown(JsonNode schema) {
        return firstUnknown(schema, "");
    }

    private static Optional<String> firstUnknown(JsonNode schema, String pointer) {
        if (!schema.isObject()) {
            return Optional.empty();
        }
        for (Map.Entry<String, JsonNode> entry : schema.properties()) {
            String keyword = entry.getKey();
            if (!KNOWN.contains(keyword) && !keyword.startsWith("x-")) {
                String hint = Suggestions.closest(keyword, KNOWN)
                        .map(k -> " (did you mean '" + k + "'?)")
                        .orElse("");
                return Optional.of("unknown keyword '" + keyword + "' at " + (pointer.isEmpty() ? "the top" : pointer)
                        + hint + "; a JSON Schema ignores keywords it does not know, so it would not check "
                        + "the answers (write x-NAME for a keyword of your own)");
            }
            Optional<String> inner = within(keyword, entry.getValue(), pointer + "/" + keyword);
            if (inner.isPresent()) {
                return inner;
            }
        }
        return Optional.empty();
    }

    private static Optional<String> within(String keyword, JsonNode value, String pointer) {
        if (ONE_SCHEMA.contains(keyword) || (keyword.equals("dependencies") && value.isObject())) {
            if (keyword.equals("dependencies")) {
                return inMap(value, pointer);
            }
            if (keyword.equals("items") && value.isArray()) {
                return inList(value, pointer);
            }
            return firstUnknown(value, pointer);
        }
        if (SCHEMA_LISTS.contains(keyword) && value.isArray()) {
            return inList(value, pointer);
        }
        if (SCHEMA_MAPS.contains(keyword) && value.isObject()) {
            return inMap(value, pointer);
        }
        return Optional.empty();
    }

    private static Optional<String> inList(JsonNode list, String pointer) {
        for (int i = 0; i < list.size(); i++) {
            Optional<String> inner = firstUnknown(list.get(i), pointer + "/" + i);
            if (inner.isPresent()) {
                return inner;
            }
        }
        return Optional.empty();
    }

    private static Optional<String> inMap(JsonNode map, String pointer) {
        for (Map.Entry<String, JsonNode> entry : map.properties()) {
            Optional<String> inner = firstUnknown(entry.getValue(), pointer + "/" + entry.getKey());
            if (inner.isPresent()) {
                return inner;
            }
        }
        return Optional.empty();
    }
}

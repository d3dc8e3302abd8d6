package dev.promptbatch.prompt;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A prompt or system template: text with {@code {{field}}} and {@code {{a.b}}} placeholders. Placeholders name
 * fields only; there are no expressions, so a template can never run anything.
 */
public final class PromptTemplate {
    private sealed interface Part permits Literal, Field {}

    private record Literal(String text) implements Part {}

    private record Field(String name) implements Part {}

    private final List<Part> parts;
    private final Set<String> fields;

    private PromptTemplate(List<Part> parts) {
        this.parts = List.copyOf(parts);
        Set<String> names = new LinkedHashSet<>();
        for (Part part : parts) {
            if (part instanceof Field field) {
                names.add(field.name());
            }
        }
        this.fields = Set.copyOf(names);
    }

    /** Parses a template; an unclosed or empty placeholder is an error naming its position. */
    public static PromptTemplate parse(String text) {
        List<Part> parts = new ArrayList<>();
        int position = 0;
        while (position < text.length()) {
            int open = text.indexOf("{{", position);
            if (open < 0) {
                parts.add(new Literal(text.substring(position)));
                break;
            }
            int close = text.indexOf("}}", open + 2);
            if (close < 0) {
                throw new TemplateException("'{{' at character " + (open + 1) + " is never closed with '}}'");
            }
            String name = text.substring(open + 2, close).trim();
            if (name.isEmpty() || name.contains("{")) {
                throw new TemplateException("'{{" + text.substring(open + 2, close) + "}}' at character " + (open + 1)
                        + " does not name a field; write {{field}} or {{a.b}}");
            }
            if (open > position) {
                parts.add(new Literal(text.substring(position, open)));
            }
            parts.add(new Field(name));
            position = close + 2;
        }
        return new PromptTemplate(parts);
    }

    /** The field names the template uses. */
    public Set<String> fields() {
        return fields;
    }

    /** Fills in the record's fields; a field the record lacks is a {@link MissingFieldException}. */
    public String render(ObjectNode record) {
        StringBuilder out = new StringBuilder();
        for (Part part : parts) {
            if (part instanceof Literal literal) {
                out.append(literal.text());
            } else if (part instanceof Field field) {
                JsonNode value = lookup(record, field.name());
                if (value == null || value.isMissingNode()) {
                    throw new MissingFieldException(field.name());
                }
                out.append(text(value));
            }
        }
        return out.toString();
    }

    /** A field's value by its name, or by its dotted path into nested objects; null when absent. */
    public static JsonNode lookup(ObjectNode record, String name) {
        JsonNode direct = record.get(name);
        if (direct != null) {
            return direct;
        }
        JsonNode node = record;
        for (String step : name.split("\\.", -1)) {
            node = node.isObject() ? node.get(step) : null;
            if (node == null) {
                return null;
            }
        }
        return node;
    }

    private static String text(JsonNode value) {
        if (value.isNull()) {
            return "";
        }
        if (value.isValueNode()) {
            return value.isBigDecimal() ? value.decimalValue().toPlainString() : value.asString();
        }
        return value.toString();
    }
}

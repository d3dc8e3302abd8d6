package dev.promptbatch.simulator;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Predicate;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.UnexpectedEndOfInputException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Request bodies decoded as Ollama's Go JSON decoder does, with its error texts (all 400). */
final class GoJson {

    private GoJson() {}

    /**
     * The body as a JSON object; {@code null} decodes into the zero request.
     *
     * @param goStruct the request's Go type, e.g. {@code ChatRequest}, named in type errors
     */
    static ObjectNode decodeObject(byte[] body, String goStruct) throws RequestRefusedException {
        String text = new String(body, StandardCharsets.UTF_8);
        if (text.isBlank()) {
            throw new RequestRefusedException(400, "missing request body");
        }
        JsonNode root;
        try (JsonParser parser = Exchanges.MAPPER.createParser(text)) {
            root = Exchanges.MAPPER.readTree(parser);
        } catch (UnexpectedEndOfInputException e) {
            throw new RequestRefusedException(400, "unexpected EOF");
        } catch (JacksonException e) {
            throw new RequestRefusedException(400, syntaxError(text, e));
        }
        if (root == null || root.isNull()) {
            return Exchanges.object();
        }
        if (!root.isObject()) {
            throw new RequestRefusedException(
                    400, "json: cannot unmarshal " + goType(root) + " into Go value of type api." + goStruct);
        }
        return (ObjectNode) root;
    }

    /** A string field, {@code ""} when absent or null. */
    static String string(ObjectNode object, String name, String goPath) throws RequestRefusedException {
        JsonNode value = typed(object, name, JsonNode::isString, "string", goPath);
        return value == null ? "" : value.stringValue();
    }

    /**
     * A field that must have a JSON type; null when absent or null.
     *
     * @param goPath the struct and field path Go names, e.g. {@code ChatRequest} or {@code Message.messages}
     */
    static JsonNode typed(ObjectNode object, String name, Predicate<JsonNode> isType, String goType, String goPath)
            throws RequestRefusedException {
        JsonNode value = field(object, name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!isType.test(value)) {
            throw new RequestRefusedException(
                    400,
                    "json: cannot unmarshal " + goType(value) + " into Go struct field " + goPath + "." + name
                            + " of type " + goType);
        }
        return value;
    }

    /** Go's decoder matches keys case-insensitively, preferring an exact match. */
    static JsonNode field(ObjectNode object, String name) {
        JsonNode exact = object.get(name);
        if (exact != null) {
            return exact;
        }
        for (Map.Entry<String, JsonNode> property : object.properties()) {
            if (property.getKey().equalsIgnoreCase(name)) {
                return property.getValue();
            }
        }
        return null;
    }

    /** Ollama's {@code api.Duration}: seconds as a number, or a Go duration string; negative means forever. */
    static Long keepAlive(JsonNode value) throws RequestRefusedException {
        if (value == null || value.isNull()) {
            return null;
        }
        long nanos;
        if (value.isNumber()) {
            nanos = (long) (value.doubleValue() * 1e9);
        } else if (value.isString()) {
            try {
                nanos = GoFormats.parseDuration(value.stringValue());
            } catch (IllegalArgumentException e) {
                throw new RequestRefusedException(400, e.getMessage());
            }
        } else {
            throw new RequestRefusedException(400, "Unsupported type: '" + goValueType(value) + "'");
        }
        return nanos < 0 ? Long.MAX_VALUE : nanos;
    }

    /**
     * Go's {@code base64.StdEncoding} check of a {@code []byte} field: padded, no prefix. Null when {@code text}
     * decodes, else Go's {@code illegal base64 data at input byte N}.
     */
    static String base64Error(String text) {
        int length = text.length();
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            boolean alphabet =
                    (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
            if (alphabet) {
                continue;
            }
            int inQuantum = i % 4;
            boolean padding = c == '='
                    && length % 4 == 0
                    && ((inQuantum == 3 && i == length - 1)
                            || (inQuantum == 2 && i == length - 2 && text.charAt(length - 1) == '='));
            if (padding) {
                continue;
            }
            return "illegal base64 data at input byte " + (c == '=' ? i - inQuantum : i);
        }
        return length % 4 == 0 ? null : "illegal base64 data at input byte " + (length - length % 4);
    }

    /** The JSON type names of Go's {@code UnmarshalTypeError}. */
    static String goType(JsonNode value) {
        if (value.isString()) {
            return "string";
        }
        if (value.isNumber()) {
            return "number";
        }
        if (value.isBoolean()) {
            return "bool";
        }
        return value.isArray() ? "array" : "object";
    }

    /** Go's {@code reflect.TypeOf} of a decoded {@code any}. */
    private static String goValueType(JsonNode value) {
        if (value.isBoolean()) {
            return "bool";
        }
        return value.isArray() ? "[]interface {}" : "map[string]interface {}";
    }

    /**
     * Go's wording for a syntax error, e.g. {@code invalid character 'x' looking for beginning of value}, from where
     * Jackson stopped and what it expected there.
     */
    private static String syntaxError(String text, JacksonException e) {
        TokenStreamLocation location = e.getLocation();
        long offset = location == null ? -1 : location.getCharOffset();
        if (offset < 0 || offset >= text.length()) {
            return "unexpected EOF";
        }
        String problem = e.getOriginalMessage();
        String context;
        if (problem.contains("to start property name")) {
            context = "looking for beginning of object key string";
        } else if (problem.contains("separate Object entries")) {
            context = "after object key:value pair";
        } else if (problem.contains("separate Array entries")) {
            context = "after array element";
        } else if (problem.contains("colon to separate")) {
            context = "after object key";
        } else {
            context = "looking for beginning of value";
        }
        char offending = text.charAt((int) offset);
        String shown = offending == '\'' ? "\\'" : String.valueOf(offending);
        return "invalid character '" + shown + "' " + context;
    }
}

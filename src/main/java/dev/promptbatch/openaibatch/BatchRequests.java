package dev.promptbatch.openaibatch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import dev.promptbatch.generation.RequestBuilder;
import dev.promptbatch.generation.WorkItem;
import dev.promptbatch.input.BadRecord;
import dev.promptbatch.input.DataRecord;
import dev.promptbatch.ollama.ChatRequest;
import dev.promptbatch.ollama.EmbedRequest;
import dev.promptbatch.ollama.GenerateRequest;
import dev.promptbatch.ollama.ModelRequest;
import dev.promptbatch.outcome.Cell;
import dev.promptbatch.outcome.Failure;
import dev.promptbatch.outcome.FailureKind;
import dev.promptbatch.spec.JobSpec;
import dev.promptbatch.structured.AnswerCheck;
import dev.promptbatch.structured.InvalidSchemaException;

/**
 * Where an OpenAI Batch line becomes a request: its body translated for Ollama's native endpoints as Ollama's own
 * {@code /v1} layer translates it, so that a line gets from {@code /api/chat}, {@code /api/generate} or
 * {@code /api/embed} the answer Ollama's {@code /v1} route would give, with Ollama's statistics. Every request keeps
 * the line's body as its {@code batchBody}: an OpenAI-compatible server is sent that as it is.
 *
 * <p>The translation, per endpoint: {@code messages} (text content, or parts: each text and each {@code image_url}
 * data URI becomes a message of its own, as Ollama splits them), {@code prompt} (one string), {@code input} (a
 * string or a list of strings) and {@code dimensions}; {@code max_tokens} → {@code num_predict}; {@code temperature}
 * and {@code top_p} (1.0 when absent, as Ollama's layer sets them), {@code seed}, {@code stop},
 * {@code frequency_penalty} and {@code presence_penalty} → options; {@code response_format} {@code json_object} →
 * {@code format: "json"} and {@code json_schema} → its schema, against which each answer is then checked as a
 * {@code format} job's. A sweep's seed replaces the body's. A field Ollama does not take is not sent
 * ({@link #ignoredFields}: the run warns of each before it starts). A body that cannot be sent (no messages, a prompt that is
 * not one string, an image that is not a data URI...) is a bad record naming the field.
 */
public final class BatchRequests {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final List<String> SAMPLING =
            List.of("temperature", "top_p", "seed", "max_tokens", "stop", "frequency_penalty", "presence_penalty");
    private static final Map<BatchUrl, List<String>> KNOWN = Map.of(
            BatchUrl.CHAT,
            concat(List.of("model", "messages", "response_format", "stream"), SAMPLING),
            BatchUrl.COMPLETIONS,
            concat(List.of("model", "prompt", "stream"), SAMPLING),
            BatchUrl.EMBEDDINGS,
            List.of("model", "input", "dimensions", "encoding_format"));
    private static final List<String> IMAGE_PREFIXES = List.of(
            "data:;base64,",
            "data:image/jpeg;base64,",
            "data:image/jpg;base64,",
            "data:image/png;base64,",
            "data:image/webp;base64,");

    /** What a line becomes: a question for a model, an embedding request, or a bad record that sends nothing. */
    public sealed interface Prepared permits Ask, Embed, Bad {}

    /**
     * A chat or completion request.
     *
     * @param check the check of its answers under the body's {@code response_format}, or null without one
     */
    public record Ask(BatchUrl url, RequestBuilder.Ready ready, AnswerCheck check) implements Prepared {}

    /**
     * An embedding request.
     *
     * @param listed whether the body's {@code input} is a list (then the answer holds a list of vectors)
     */
    public record Embed(Object id, DataRecord record, EmbedRequest request, boolean listed) implements Prepared {}

    /** A bad record: the line for the errors file. */
    public record Bad(Failure failure) implements Prepared {}

    /** A line's body that cannot be sent: the field and what is wrong with it. */
    private static final class Unsendable extends RuntimeException {
        Unsendable(String field, String problem) {
            super("body." + field + ": " + problem);
        }
    }

    private final JobSpec spec;
    private final Map<String, AnswerCheck> checks = new ConcurrentHashMap<>();

    public BatchRequests(JobSpec spec) {
        this.spec = spec;
    }

    public Prepared prepare(WorkItem item) {
        Cell cell = item.cell();
        if (item.record() instanceof BadRecord bad) {
            return new Bad(new Failure(
                    bad.id(), bad.line(), cell, cell.seed(), FailureKind.BAD_RECORD, bad.message(), 0, null));
        }
        DataRecord record = (DataRecord) item.record();
        String id = record.fields().get("custom_id").stringValue();
        BatchUrl url = BatchUrl.of(record.fields().get("url").stringValue());
        ObjectNode body = (ObjectNode) record.fields().get("body");
        try {
            if (cell.model() == null) {
                throw new Unsendable("model", "missing; name the model in each line's body, or set model (or --model)");
            }
            if (url == BatchUrl.EMBEDDINGS) {
                return embed(id, record, cell, body);
            }
            Map<String, Object> options = options(url, body);
            if (cell.seed() != null) {
                options.put("seed", cell.seed());
            }
            Number seed = options.get("seed") instanceof Number number ? number : null;
            ModelRequest request;
            AnswerCheck check = null;
            if (url == BatchUrl.CHAT) {
                Object format = format(body.get("response_format"));
                check = format == null ? null : check(format);
                request = new ChatRequest(
                        cell.model(),
                        messages(body),
                        options,
                        format,
                        null,
                        spec.generation().keepAlive(),
                        body);
            } else {
                JsonNode prompt = body.get("prompt");
                if (prompt == null || !prompt.isString()) {
                    throw new Unsendable("prompt", "expected one string, got " + shown(prompt));
                }
                request = new GenerateRequest(
                        cell.model(),
                        prompt.stringValue(),
                        null,
                        options,
                        null,
                        null,
                        spec.generation().keepAlive(),
                        null,
                        body);
            }
            return new Ask(url, new RequestBuilder.Ready(id, record, request, seed, Map.of()), check);
        } catch (Unsendable e) {
            return new Bad(
                    new Failure(id, record.line(), cell, cell.seed(), FailureKind.BAD_RECORD, e.getMessage(), 0, null));
        }
    }

    private Embed embed(String id, DataRecord record, Cell cell, ObjectNode body) {
        JsonNode input = body.get("input");
        List<String> inputs = new ArrayList<>();
        if (input != null && input.isString()) {
            inputs.add(input.stringValue());
        } else if (input != null && input.isArray() && !input.isEmpty()) {
            for (int i = 0; i < input.size(); i++) {
                if (!input.get(i).isString()) {
                    throw new Unsendable("input[" + i + "]", "expected a string, got " + shown(input.get(i)));
                }
                inputs.add(input.get(i).stringValue());
            }
        } else {
            throw new Unsendable("input", "expected a string or a non-empty list of strings, got " + shown(input));
        }
        JsonNode encoding = body.get("encoding_format");
        if (encoding != null && !encoding.isNull() && !"float".equals(encoding.asString(""))) {
            throw new Unsendable("encoding_format", "only \"float\" is written, got " + shown(encoding));
        }
        JsonNode dimensions = body.get("dimensions");
        Integer cut = null;
        if (dimensions != null && !dimensions.isNull()) {
            if (!dimensions.isIntegralNumber() || dimensions.asLong() < 1 || dimensions.asLong() > Integer.MAX_VALUE) {
                throw new Unsendable("dimensions", "expected a whole number from 1, got " + shown(dimensions));
            }
            cut = dimensions.asInt();
        }
        EmbedRequest request = new EmbedRequest(
                cell.model(), inputs, cut, null, Map.of(), spec.generation().keepAlive(), body);
        return new Embed(id, record, request, input.isArray());
    }

    /** The native messages: text content as it is, and one message per part of a content list. */
    private static List<ChatRequest.Message> messages(ObjectNode body) {
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw new Unsendable("messages", "expected a non-empty list of messages, got " + shown(messages));
        }
        List<ChatRequest.Message> result = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            String field = "messages[" + i + "]";
            JsonNode message = messages.get(i);
            JsonNode role = message.path("role");
            if (!role.isString() || role.stringValue().isBlank()) {
                throw new Unsendable(field + ".role", "expected a role such as \"user\", got " + shown(role));
            }
            JsonNode content = message.path("content");
            if (content.isString()) {
                result.add(new ChatRequest.Message(role.stringValue(), content.stringValue(), null));
                continue;
            }
            if (!content.isArray()) {
                throw new Unsendable(field + ".content", "expected a text or a list of parts, got " + shown(content));
            }
            for (int j = 0; j < content.size(); j++) {
                result.add(part(field + ".content[" + j + "]", role.stringValue(), content.get(j)));
            }
        }
        return List.copyOf(result);
    }

    private static ChatRequest.Message part(String field, String role, JsonNode part) {
        String type = part.path("type").asString("");
        if (type.equals("text") && part.path("text").isString()) {
            return new ChatRequest.Message(role, part.get("text").stringValue(), null);
        }
        if (type.equals("image_url")) {
            JsonNode image = part.path("image_url");
            JsonNode url = image.isObject() ? image.path("url") : image;
            if (!url.isString()) {
                throw new Unsendable(field + ".image_url", "expected {url: \"data:image/png;base64,...\"}");
            }
            String text = url.stringValue();
            for (String prefix : IMAGE_PREFIXES) {
                if (text.startsWith(prefix)) {
                    return new ChatRequest.Message(role, "", List.of(text.substring(prefix.length())));
                }
            }
            throw new Unsendable(
                    field + ".image_url.url",
                    "an image is sent as a base64 data URI (data:image/png;base64,...); Ollama takes no image URLs");
        }
        throw new Unsendable(field, "expected a part of type text or image_url, got " + shown(part.path("type")));
    }

    /** Ollama's options for a chat or completion body, with the defaults its {@code /v1} layer sets. */
    private static Map<String, Object> options(BatchUrl url, ObjectNode body) {
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("temperature", number(body, "temperature", 1.0));
        Object topP = number(body, "top_p", 1.0);
        // Completions take a top_p of 0 as absent.
        options.put("top_p", url == BatchUrl.COMPLETIONS && ((Number) topP).doubleValue() == 0 ? 1.0 : topP);
        putNumber(body, "seed", options, "seed", true);
        putNumber(body, "max_tokens", options, "num_predict", true);
        if (url == BatchUrl.COMPLETIONS) {
            // Completions always send both penalties, 0 when absent.
            options.put("frequency_penalty", number(body, "frequency_penalty", 0));
            options.put("presence_penalty", number(body, "presence_penalty", 0));
        } else {
            putNumber(body, "frequency_penalty", options, "frequency_penalty", false);
            putNumber(body, "presence_penalty", options, "presence_penalty", false);
        }
        JsonNode stop = body.get("stop");
        if (stop != null && stop.isString()) {
            options.put("stop", List.of(stop.stringValue()));
        } else if (stop != null && stop.isArray()) {
            List<String> stops = new ArrayList<>();
            for (JsonNode item : stop) {
                if (item.isString()) {
                    stops.add(item.stringValue());
                } else if (url == BatchUrl.COMPLETIONS) {
                    throw new Unsendable("stop", "expected strings, got " + shown(item));
                }
            }
            options.put("stop", stops);
        } else if (stop != null && !stop.isNull()) {
            throw new Unsendable("stop", "expected a string or a list of strings, got " + shown(stop));
        }
        return options;
    }

    private static Object number(ObjectNode body, String field, double fallback) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isNumber()) {
            throw new Unsendable(field, "expected a number, got " + shown(value));
        }
        return value.numberValue();
    }

    private static void putNumber(
            ObjectNode body, String field, Map<String, Object> options, String option, boolean whole) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return;
        }
        if (whole ? !value.isIntegralNumber() : !value.isNumber()) {
            throw new Unsendable(field, "expected a " + (whole ? "whole number" : "number") + ", got " + shown(value));
        }
        options.put(option, value.numberValue());
    }

    /** {@code response_format} as Ollama's {@code format}: "json", a JSON Schema (a Map), or null for free text. */
    private static Object format(JsonNode responseFormat) {
        if (responseFormat == null || responseFormat.isNull()) {
            return null;
        }
        String type = responseFormat.path("type").asString("");
        switch (type) {
            case "json_object" -> {
                return "json";
            }
            case "json_schema" -> {
                JsonNode schema = responseFormat.path("json_schema").path("schema");
                if (!schema.isObject()) {
                    throw new Unsendable(
                            "response_format.json_schema.schema",
                            "expected a JSON Schema object, got " + shown(schema.isMissingNode() ? null : schema));
                }
                return JSON.treeToValue(schema, Map.class);
            }
            case "text" -> {
                return null;
            }
            default ->
                throw new Unsendable(
                        "response_format.type",
                        "expected text, json_object or json_schema, got " + shown(responseFormat.get("type")));
        }
    }

    /** The check of a schema, built once for every line that sends the same one. */
    private AnswerCheck check(Object format) {
        String key = JSON.writeValueAsString(format);
        AnswerCheck known = checks.get(key);
        if (known != null) {
            return known;
        }
        try {
            AnswerCheck check = AnswerCheck.of(format);
            checks.put(key, check);
            return check;
        } catch (InvalidSchemaException e) {
            throw new Unsendable("response_format.json_schema.schema", e.getMessage());
        }
    }

    /** The fields of a line's body that an Ollama server is not sent, in the body's order. */
    public static List<String> ignoredFields(BatchUrl url, JsonNode body) {
        List<String> known = KNOWN.get(url);
        List<String> ignored = new ArrayList<>();
        for (String field : body.propertyNames()) {
            if (!known.contains(field)) {
                ignored.add(field);
            }
        }
        return ignored;
    }

    private static String shown(JsonNode value) {
        return value == null || value.isMissingNode() ? "nothing" : value.toString();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }
}

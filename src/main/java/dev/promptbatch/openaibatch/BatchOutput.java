package dev.promptbatch.openaibatch;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import dev.promptbatch.outcome.Answer;
import dev.promptbatch.outcome.Embedded;
import dev.promptbatch.outcome.ErrorResponse;
import dev.promptbatch.outcome.Failure;
import dev.promptbatch.outcome.GenerateResponse;
import dev.promptbatch.outcome.Outcome;
import dev.promptbatch.spec.Endpoint;

/**
 * OpenAI's Batch output lines: {@code {id, custom_id, response: {status_code, request_id, body}, error}} with a body
 * in the shape the line's endpoint answers (a {@code chat.completion}, a {@code text_completion} or an embedding
 * {@code list}, each with {@code usage}); a failure in the same shape with the input {@code line}, and either the
 * server's HTTP error answer as {@code response} or, without one, {@code response: null} and {@code error: {code,
 * message}}. Each line also carries {@value #EXTENSION}: PromptBatch's own record
 * of the answer (model, sweep coordinates, Ollama's statistics, latency, attempts, server, line) without the text or
 * vectors the body holds, which OpenAI's readers ignore and from which {@link #toNative} gives back PromptBatch's
 * record, so that the summary, the report and {@code diff} read these files as they read their own.
 *
 * <p>The ids ({@code batch_req_...}, {@code req_...} and the body's) are hashes of the line's place in the run
 * (custom_id, input line, model and sweep coordinates), not random, so that a resumed run writes the same ids.
 */
public final class BatchOutput {
    /** The key of the extension object: PromptBatch's record of the answer. */
    public static final String EXTENSION = "promptbatch";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Fields of PromptBatch's record that the body already holds. */
    private static final List<String> IN_BODY = List.of("response", "thinking", "json", "embedding");

    private final BatchUrl jobUrl;
    private final Clock clock;

    /** @param jobEndpoint the job's endpoint: how an answer not read from a batch line is shaped */
    public BatchOutput(Endpoint jobEndpoint, Clock clock) {
        this.jobUrl = BatchUrl.of(jobEndpoint);
        this.clock = clock;
    }

    /** An answer's line; {@code record} is PromptBatch's record of it. */
    public String line(Answer answer, Map<String, Object> record) {
        BatchUrl url = answer.endpoint() == null ? jobUrl : BatchUrl.of(answer.endpoint());
        GenerateResponse response = answer.response();
        String hash = hash(answer);
        ObjectNode body = NODES.objectNode();
        body.put("id", (url == BatchUrl.CHAT ? "chatcmpl-" : "cmpl-") + hash.substring(0, 24));
        body.put("object", url.object());
        body.put("created", clock.instant().getEpochSecond());
        body.put("model", answer.model());
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        String text = response.response() == null ? "" : response.response();
        if (url == BatchUrl.CHAT) {
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            message.put("content", text);
            if (response.thinking() != null) {
                message.put("reasoning", response.thinking());
            }
        } else {
            choice.put("text", text);
        }
        choice.put("finish_reason", "length".equals(response.doneReason()) ? "length" : "stop");
        long prompt = orZero(response.promptEvalCount());
        long completion = orZero(response.evalCount());
        ObjectNode usage = body.putObject("usage");
        usage.put("prompt_tokens", prompt);
        usage.put("completion_tokens", completion);
        usage.put("total_tokens", prompt + completion);
        return answered(answer, hash, body, record);
    }

    /** An embedding's line; {@code record} is PromptBatch's record of it. */
    public String line(Embedded embedded, Map<String, Object> record) {
        String hash = hash(embedded);
        ObjectNode body = NODES.objectNode();
        body.put("object", "list");
        ArrayNode data = body.putArray("data");
        List<JsonNode> vectors = embedded.vectors();
        for (int i = 0; i < vectors.size(); i++) {
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.set("embedding", vectors.get(i));
            item.put("index", i);
        }
        body.put("model", embedded.model());
        long prompt = orZero(embedded.promptEvalCount());
        ObjectNode usage = body.putObject("usage");
        usage.put("prompt_tokens", prompt);
        usage.put("total_tokens", prompt);
        return answered(embedded, hash, body, record);
    }

    /**
     * A failure's line for the errors file; {@code record} is PromptBatch's record of it. As in OpenAI's errors file, a
     * request whose last attempt the server answered with an HTTP error has that answer as {@code response} (its
     * status and an OpenAI error body with the server's message) and {@code error} null; any other failure has
     * {@code response} null and {@code error} PromptBatch's kind and message.
     */
    public String line(Failure failure, Map<String, Object> record) {
        String hash = hash(failure);
        ObjectNode line = NODES.objectNode();
        line.put("id", "batch_req_" + hash.substring(0, 32));
        putCustomId(line, failure);
        ErrorResponse refusal = failure.response();
        if (refusal == null) {
            line.putNull("response");
            ObjectNode error = line.putObject("error");
            error.put("code", failure.kind().text().replace('-', '_'));
            error.put("message", failure.message());
        } else {
            ObjectNode response = line.putObject("response");
            response.put("status_code", refusal.status());
            response.put("request_id", "req_" + hash.substring(32));
            ObjectNode error = response.putObject("body").putObject("error");
            error.put("message", refusal.message());
            error.put("type", errorType(refusal.status()));
            error.putNull("param");
            error.putNull("code");
            line.putNull("error");
        }
        line.put("line", failure.line());
        line.set(EXTENSION, extension(record));
        return JSON.writeValueAsString(line);
    }

    /** The error {@code type} that Ollama's OpenAI-compatible layer gives a status ({@code openai.go} NewError). */
    private static String errorType(int status) {
        return switch (status) {
            case 400 -> "invalid_request_error";
            case 404 -> "not_found_error";
            default -> "api_error";
        };
    }

    private String answered(Outcome outcome, String hash, ObjectNode body, Map<String, Object> record) {
        ObjectNode line = NODES.objectNode();
        line.put("id", "batch_req_" + hash.substring(0, 32));
        putCustomId(line, outcome);
        ObjectNode response = line.putObject("response");
        response.put("status_code", 200);
        response.put("request_id", "req_" + hash.substring(32));
        response.set("body", body);
        line.putNull("error");
        line.set(EXTENSION, extension(record));
        return JSON.writeValueAsString(line);
    }

    /** The record's id as {@code custom_id}: a string, or null for a line whose id could not be read. */
    private static void putCustomId(ObjectNode line, Outcome outcome) {
        if (outcome.id() == null) {
            line.putNull("custom_id");
        } else {
            line.put("custom_id", String.valueOf(outcome.id()));
        }
    }

    private static JsonNode extension(Map<String, Object> record) {
        Map<String, Object> rest = new LinkedHashMap<>(record);
        IN_BODY.forEach(rest::remove);
        return JSON.valueToTree(rest);
    }

    /**
     * PromptBatch's record of an OpenAI Batch output or errors line ({@link #EXTENSION}, with the body's text or
     * vectors put back), or the line as it is when it is not one.
     */
    public static JsonNode toNative(JsonNode line) {
        JsonNode extension = line.path(EXTENSION);
        if (!line.has("custom_id") || !extension.isObject()) {
            return line;
        }
        ObjectNode record = ((ObjectNode) extension).deepCopy();
        JsonNode body = line.path("response").path("body");
        // An errors line's response, when it has one, is the server's error: it holds no answer to put back.
        if (!body.isObject() || line.path("response").path("status_code").asInt(0) != 200) {
            return record;
        }
        JsonNode choice = body.path("choices").path(0);
        if (body.path("object").asString("").equals("list")) {
            JsonNode data = body.path("data");
            if (data.size() == 1) {
                record.set("embedding", data.get(0).path("embedding"));
            } else {
                ArrayNode vectors = record.putArray("embedding");
                data.forEach(item -> vectors.add(item.path("embedding")));
            }
        } else if (choice.has("message")) {
            record.set("response", choice.path("message").path("content"));
            if (choice.path("message").has("reasoning")) {
                record.set("thinking", choice.path("message").path("reasoning"));
            }
        } else {
            record.set("response", choice.path("text"));
        }
        return record;
    }

    /** 64 hex digits from the outcome's place in the run: custom_id, line, model and sweep coordinates. */
    private static String hash(Outcome outcome) {
        String place = String.join(
                "\n",
                String.valueOf(outcome.id()),
                String.valueOf(outcome.line()),
                String.valueOf(outcome.model()),
                String.valueOf(outcome.cell().variant()),
                String.valueOf(outcome.cell().seed()),
                String.valueOf(outcome.cell().repeat()));
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(place.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long orZero(Long value) {
        return value == null ? 0 : value;
    }
}

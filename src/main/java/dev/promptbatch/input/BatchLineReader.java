package dev.promptbatch.input;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import dev.promptbatch.openaibatch.BatchUrl;

/**
 * OpenAI Batch requests, one JSON object per line: {@code custom_id} (a string, the record's id, unique in the file),
 * {@code method} ({@code POST}), {@code url} (one of {@link BatchUrl}) and {@code body} (an object, not streamed).
 * A line that breaks one of these is a bad record naming the field; of two lines with one {@code custom_id}, the
 * first stands and the later is bad. What the body asks is checked where it is translated into a request.
 */
final class BatchLineReader implements RecordReader {
    private final RecordReader lines;
    /** Every {@code custom_id} read so far and its line: the file's ids are kept to find repeats exactly. */
    private final Map<String, Long> seen = new HashMap<>();

    BatchLineReader(RecordReader lines) {
        this.lines = lines;
    }

    @Override
    public InputRecord next() {
        InputRecord record = lines.next();
        if (!(record instanceof DataRecord data)) {
            return record;
        }
        ObjectNode line = data.fields();
        JsonNode customId = line.get("custom_id");
        if (customId == null || customId.isNull()) {
            return bad(data, "custom_id: missing; every line needs a custom_id (a string, unique in the file)", null);
        }
        if (!customId.isString()) {
            return bad(data, "custom_id: expected a string, found " + JsonLinesRecordReader.describe(customId), null);
        }
        String id = customId.stringValue();
        if (id.isBlank()) {
            return bad(data, "custom_id: empty", null);
        }
        Long first = seen.putIfAbsent(id, data.line());
        if (first != null) {
            return bad(
                    data,
                    "custom_id: '" + id + "' is already the custom_id of line " + first
                            + "; the first line with it stands",
                    id);
        }
        JsonNode method = line.get("method");
        if (method == null || !method.isString() || !method.stringValue().equals("POST")) {
            return bad(data, "method: expected \"POST\", got " + shown(method), id);
        }
        JsonNode url = line.get("url");
        if (url == null || !url.isString()) {
            return bad(data, "url: expected one of " + BatchUrl.known() + ", got " + shown(url), id);
        }
        if (BatchUrl.of(url.stringValue()) == null) {
            return bad(
                    data, "url: " + url.stringValue() + " is not supported; expected one of " + BatchUrl.known(), id);
        }
        JsonNode body = line.get("body");
        if (body == null || body.isNull()) {
            return bad(data, "body: missing; it holds the request for " + url.stringValue(), id);
        }
        if (!body.isObject()) {
            return bad(data, "body: expected a JSON object, found " + JsonLinesRecordReader.describe(body), id);
        }
        if (body.path("stream").asBoolean(false)) {
            return bad(data, "body.stream: true is not supported: each line is answered whole; leave stream out", id);
        }
        JsonNode model = body.get("model");
        if (model != null
                && !model.isNull()
                && (!model.isString() || model.stringValue().isBlank())) {
            return bad(data, "body.model: expected a model name, got " + shown(model), id);
        }
        return data;
    }

    private static BadRecord bad(DataRecord data, String message, String id) {
        return new BadRecord(data.number(), data.line(), message, id);
    }

    private static String shown(JsonNode value) {
        return value == null ? "nothing" : value.toString();
    }

    @Override
    public List<String> columns() {
        return List.of();
    }

    @Override
    public void close() {
        lines.close();
    }
}

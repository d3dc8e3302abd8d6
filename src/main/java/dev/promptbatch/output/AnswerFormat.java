package dev.promptbatch.output;

import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.opencsv.CSVWriter;
import com.opencsv.ICSVWriter;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.promptbatch.openaibatch.BatchOutput;
import dev.promptbatch.outcome.Answer;
import dev.promptbatch.outcome.Embedded;
import dev.promptbatch.outcome.Failure;
import dev.promptbatch.outcome.Outcome;

/**
 * Turns answers and failures into output lines: JSON Lines, or CSV with RFC 4180 quoting and the included input
 * fields flattened into {@code input.NAME} columns. Both carry the same fields in the same order; {@code variant}
 * and {@code repeat} only when the spec sweeps them. A job with a {@code format} adds the parsed answer after
 * {@code response}: {@code json} in JSON Lines, and in CSV one {@code json.NAME} column per top-level property of
 * its schema (none for {@code format: json}, whose answers have no known shape). With {@code output-format:
 * openai-batch} every line is OpenAI's ({@link BatchOutput}), carrying the JSON Lines record as its extension.
 * With an answer cache, every answer says whether it came from it: {@code cached}, last of the answer's own fields.
 */
public final class AnswerFormat {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final List<String> include;
    private final boolean variants;
    private final boolean repeats;
    private final boolean json;
    private final List<String> jsonProperties;
    /** OpenAI Batch output lines ({@code output-format: openai-batch}), or null for PromptBatch's own. */
    private final BatchOutput openAi;
    /** Whether answers carry {@code cached}: the run has an answer cache. */
    private final boolean cached;

    public AnswerFormat(List<String> include, boolean variants, boolean repeats) {
        this(include, variants, repeats, false, List.of());
    }

    /**
     * @param json           whether answers carry {@code json}: the job has a {@code format}
     * @param jsonProperties the schema's top-level properties, in order: the {@code json.NAME} columns
     */
    public AnswerFormat(
            List<String> include, boolean variants, boolean repeats, boolean json, List<String> jsonProperties) {
        this(include, variants, repeats, json, jsonProperties, null);
    }

    /** @param openAi OpenAI Batch output lines, which carry this format's record as their extension; or null */
    public AnswerFormat(
            List<String> include,
            boolean variants,
            boolean repeats,
            boolean json,
            List<String> jsonProperties,
            BatchOutput openAi) {
        this(include, variants, repeats, json, jsonProperties, openAi, false);
    }

    private AnswerFormat(
            List<String> include,
            boolean variants,
            boolean repeats,
            boolean json,
            List<String> jsonProperties,
            BatchOutput openAi,
            boolean cached) {
        this.cached = cached;
        this.openAi = openAi;
        this.include = List.copyOf(include);
        this.variants = variants;
        this.repeats = repeats;
        this.json = json;
        this.jsonProperties = List.copyOf(jsonProperties);
    }

    /** The same format, with {@code cached} in every answer: the run has an answer cache. */
    public AnswerFormat withCached() {
        return new AnswerFormat(include, variants, repeats, json, jsonProperties, openAi, true);
    }

    /** The answer as one JSON object on one line. */
    public String jsonLine(Answer answer) {
        Map<String, Object> record = fields(answer);
        putInput(record, answer.input());
        return openAi == null ? JSON.writeValueAsString(record) : openAi.line(answer, record);
    }

    /** The included input fields, in the spec's order, when the spec includes any. */
    private void putInput(Map<String, Object> record, Map<String, JsonNode> values) {
        if (!include.isEmpty()) {
            Map<String, JsonNode> input = new LinkedHashMap<>();
            for (String name : include) {
                input.put(name, values.get(name));
            }
            record.put("input", input);
        }
    }

    /**
     * An embedding as one JSON object on one line: where it belongs (no seed: embeddings take none), the vector and
     * its length, and the request that carried it, whose statistics every record of its batch repeats.
     */
    public String jsonLine(Embedded embedded) {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("id", embedded.id());
        record.put("line", embedded.line());
        record.put("model", embedded.model());
        record.put("server", embedded.server());
        if (variants) {
            record.put("variant", embedded.cell().variant());
        }
        if (repeats) {
            record.put("repeat", embedded.cell().repeat());
        }
        record.put("embedding", embedded.embedding());
        record.put("dimensions", embedded.dimensions());
        record.put("batch", embedded.batch());
        record.put("batch_size", embedded.batchSize());
        record.put("prompt_eval_count", embedded.promptEvalCount());
        record.put("total_duration", embedded.totalDuration());
        record.put("load_duration", embedded.loadDuration());
        record.put("latency_ms", embedded.latencyMs());
        record.put("attempts", embedded.attempts());
        putInput(record, embedded.input());
        return openAi == null ? JSON.writeValueAsString(record) : openAi.line(embedded, record);
    }

    /** The CSV header row of a new output file. */
    public String csvHeader() {
        return csv(csvColumns().toArray(String[]::new));
    }

    /** The columns of a new CSV output file, in order. */
    public List<String> csvColumns() {
        List<String> columns = new ArrayList<>(List.of("id", "line", "model", "server", "seed"));
        if (variants) {
            columns.add("variant");
        }
        if (repeats) {
            columns.add("repeat");
        }
        columns.add("response");
        jsonProperties.forEach(name -> columns.add("json." + name));
        columns.addAll(List.of(
                "thinking",
                "done_reason",
                "prompt_eval_count",
                "eval_count",
                "total_duration",
                "load_duration",
                "prompt_eval_duration",
                "eval_duration",
                "tokens_per_second",
                "tokens_per_second_source",
                "latency_ms",
                "attempts"));
        if (json) {
            columns.add("reasks");
        }
        if (cached) {
            columns.add("cached");
        }
        include.forEach(name -> columns.add("input." + name));
        return List.copyOf(columns);
    }

    /** The answer as one CSV record (it may span lines where a field has line breaks), in today's columns. */
    public String csvLine(Answer answer) {
        return csvLine(answer, csvColumns());
    }

    /**
     * The answer as one CSV record in the given columns: those of the file's own header, which an older version may
     * have written without some of today's columns (a resumed file keeps one layout). A column not known here stays
     * empty.
     */
    public String csvLine(Answer answer, List<String> columns) {
        Map<String, String> cells = new LinkedHashMap<>();
        fields(answer).forEach((name, value) -> {
            if (!name.equals("json")) {
                cells.put(name, value == null ? "" : value.toString());
            }
        });
        for (String name : jsonProperties) {
            JsonNode value = answer.json() == null ? null : answer.json().get(name);
            cells.put("json." + name, text(value));
        }
        for (String name : include) {
            JsonNode value = answer.input().get(name);
            cells.put("input." + name, text(value));
        }
        return csv(
                columns.stream().map(column -> cells.getOrDefault(column, "")).toArray(String[]::new));
    }

    /** A failure as one line of the errors file. */
    public String errorLine(Failure failure) {
        Map<String, Object> record = where(failure);
        record.put("kind", failure.kind().text());
        record.put("message", failure.message());
        record.put("attempts", failure.attempts());
        return openAi == null ? JSON.writeValueAsString(record) : openAi.line(failure, record);
    }

    private Map<String, Object> fields(Answer answer) {
        var response = answer.response();
        Map<String, Object> record = where(answer);
        record.put("response", response.response());
        // An OpenAI Batch line's response_format checks its answers as a format job's are.
        boolean checked = json || answer.json() != null;
        if (checked) {
            record.put("json", answer.json());
        }
        record.put("thinking", response.thinking());
        record.put("done_reason", response.doneReason());
        record.put("prompt_eval_count", response.promptEvalCount());
        record.put("eval_count", response.evalCount());
        record.put("total_duration", response.totalDuration());
        record.put("load_duration", response.loadDuration());
        record.put("prompt_eval_duration", response.promptEvalDuration());
        record.put("eval_duration", response.evalDuration());
        record.put("tokens_per_second", answer.tokensPerSecond());
        record.put("tokens_per_second_source", answer.tokensPerSecondSource());
        record.put("latency_ms", answer.latencyMs());
        record.put("attempts", answer.attempts());
        if (checked) {
            record.put("reasks", answer.reasks());
        }
        if (cached) {
            record.put("cached", answer.cached());
        }
        return record;
    }

    /**
     * The fields that place an answer or a failure, first in both files: id, line, model, the server that answered
     * (null for a record that never reached one), seed and the sweep's.
     */
    private Map<String, Object> where(Outcome outcome) {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("id", outcome.id());
        record.put("line", outcome.line());
        record.put("model", outcome.model());
        record.put("server", outcome.server());
        record.put("seed", outcome.seed());
        if (variants) {
            record.put("variant", outcome.cell().variant());
        }
        if (repeats) {
            record.put("repeat", outcome.cell().repeat());
        }
        return record;
    }

    /** A value as a CSV cell: text as it is, nested values as JSON text, nothing for null. */
    private static String text(JsonNode value) {
        return value == null || value.isNull() ? "" : value.isValueNode() ? value.asString() : value.toString();
    }

    private static String csv(String[] values) {
        StringWriter out = new StringWriter();
        try (ICSVWriter writer = new CSVWriter(out, ',', '"', '"', "")) {
            writer.writeNext(values, false);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }
}

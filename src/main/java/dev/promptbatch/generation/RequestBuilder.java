package dev.promptbatch.generation;

import java.util.LinkedHashMap;
import java.util.Map;

import tools.jackson.databind.JsonNode;

import dev.promptbatch.input.BadRecord;
import dev.promptbatch.input.DataRecord;
import dev.promptbatch.ollama.GenerateRequest;
import dev.promptbatch.outcome.Cell;
import dev.promptbatch.outcome.Failure;
import dev.promptbatch.outcome.FailureKind;
import dev.promptbatch.prompt.MissingFieldException;
import dev.promptbatch.prompt.PromptTemplate;
import dev.promptbatch.spec.JobSpec;

/** Where a record becomes a request: its id, the rendered system and prompt text, and the spec's options. */
public final class RequestBuilder {
    /** What a work item becomes: a request to send, an input to embed, or a bad record that sends nothing. */
    public sealed interface Prepared permits Ready, Input, Bad {}

    /** A request ready to send, with what the answer needs from its record. */
    public record Ready(
            Object id, DataRecord record, GenerateRequest request, Number seed, Map<String, JsonNode> included)
            implements Prepared {}

    /** An embed job's record: its rendered prompt is the text embedded. */
    public record Input(Object id, DataRecord record, String text, Map<String, JsonNode> included)
            implements Prepared {}

    /** A bad record: the line for the errors file. */
    public record Bad(Failure failure) implements Prepared {}

    private final JobSpec spec;
    private final PromptTemplate prompt;
    private final PromptTemplate system;

    public RequestBuilder(JobSpec spec) {
        this.spec = spec;
        this.prompt = PromptTemplate.parse(spec.generation().prompt());
        this.system = spec.generation().system() == null
                ? null
                : PromptTemplate.parse(spec.generation().system());
    }

    /** A generate job's record as its request. */
    public Prepared prepare(WorkItem item) {
        Map<String, Object> options = options(item.cell());
        Number seed = options.get("seed") instanceof Number number ? number : null;
        return prepared(item, seed, (id, record, text) -> {
            GenerateRequest request = new GenerateRequest(
                    item.model(),
                    text,
                    system == null ? null : system.render(record.fields()),
                    options,
                    spec.generation().format(),
                    spec.generation().think(),
                    spec.generation().keepAlive());
            return new Ready(id, record, request, seed, included(record));
        });
    }

    /** An embed job's record as the text to embed. */
    public Prepared prepareInput(WorkItem item) {
        return prepared(item, null, (id, record, text) -> new Input(id, record, text, included(record)));
    }

    /** What a readable record with an id and a prompt that renders becomes. */
    private interface Rendered {
        Prepared of(Object id, DataRecord record, String prompt);
    }

    private Prepared prepared(WorkItem item, Number seed, Rendered rendered) {
        // With an id-field, a record whose id cannot be read has none: its line identifies it.
        Object unknownId = spec.input().idField() == null ? item.record().number() : null;
        if (item.record() instanceof BadRecord bad) {
            return new Bad(new Failure(
                    unknownId, bad.line(), item.cell(), seed, FailureKind.BAD_RECORD, bad.message(), 0, null));
        }
        DataRecord record = (DataRecord) item.record();
        Object id = unknownId;
        try {
            id = id(record, spec.input().idField());
            String text = prompt.render(record.fields());
            if (text.isBlank()) {
                return new Bad(new Failure(
                        id,
                        record.line(),
                        item.cell(),
                        seed,
                        FailureKind.BAD_RECORD,
                        "the prompt renders empty",
                        0,
                        null));
            }
            return rendered.of(id, record, text);
        } catch (MissingFieldException | IllegalArgumentException e) {
            return new Bad(
                    new Failure(id, record.line(), item.cell(), seed, FailureKind.BAD_RECORD, e.getMessage(), 0, null));
        }
    }

    /** The options of a pass: the spec's, its variant's over them, and its sweep seed over both. */
    public Map<String, Object> options(Cell cell) {
        Map<String, Object> options = new LinkedHashMap<>(spec.generation().options());
        if (cell.variant() != null) {
            options.putAll(spec.sweep().variants().get(cell.variant()));
        }
        if (cell.seed() != null) {
            options.put("seed", cell.seed());
        }
        return options;
    }

    /**
     * A record's id: its number without an id-field, else the field's value as text, so that 1 and "1" in JSON
     * Lines are one id, as they are in CSV and in the output. A record without a usable id is bad.
     */
    public static Object id(DataRecord record, String idField) {
        if (idField == null) {
            return record.number();
        }
        JsonNode value = PromptTemplate.lookup(record.fields(), idField);
        if (value == null || value.isMissingNode()) {
            throw new MissingFieldException(idField);
        }
        if (value.isNull()) {
            throw new IllegalArgumentException("the id-field '" + idField + "' is empty (null)");
        }
        if (value.isContainer()) {
            throw new IllegalArgumentException("id-field '" + idField + "' holds "
                    + (value.isArray() ? "an array" : "an object") + ", not a text or a number");
        }
        if (value.asString().isBlank()) {
            throw new IllegalArgumentException("the id-field '" + idField + "' is empty");
        }
        return value.asString();
    }

    private Map<String, JsonNode> included(DataRecord record) {
        Map<String, JsonNode> input = new LinkedHashMap<>();
        for (String name : spec.output().include()) {
            input.put(name, PromptTemplate.lookup(record.fields(), name));
        }
        return input;
    }
}

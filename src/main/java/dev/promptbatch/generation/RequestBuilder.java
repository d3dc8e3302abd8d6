package dev.promptbatch.generation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;

import dev.promptbatch.images.ImageException;
import dev.promptbatch.images.ImageLoader;
import dev.promptbatch.input.BadRecord;
import dev.promptbatch.input.DataRecord;
import dev.promptbatch.ollama.ChatRequest;
import dev.promptbatch.ollama.GenerateRequest;
import dev.promptbatch.ollama.ModelRequest;
import dev.promptbatch.outcome.Cell;
import dev.promptbatch.outcome.Failure;
import dev.promptbatch.outcome.FailureKind;
import dev.promptbatch.prompt.MissingFieldException;
import dev.promptbatch.prompt.PromptTemplate;
import dev.promptbatch.spec.Endpoint;
import dev.promptbatch.spec.JobSpec;

/**
 * Where a record becomes a request: its id, the rendered system and prompt text (or, for a chat job, its messages),
 * its images, and the spec's options. A chat job without {@code messages} sends its system and prompt as a system
 * and a user message; its images go with the last user message.
 */
public final class RequestBuilder {
    /** What a work item becomes: a request to send, an input to embed, or a bad record that sends nothing. */
    public sealed interface Prepared permits Ready, Input, Bad {}

    /** A request ready to send, with what the answer needs from its record. */
    public record Ready(Object id, DataRecord record, ModelRequest request, Number seed, Map<String, JsonNode> included)
            implements Prepared {}

    /** An embed job's record: its rendered prompt is the text embedded. */
    public record Input(Object id, DataRecord record, String text, Map<String, JsonNode> included)
            implements Prepared {}

    /** A bad record: the line for the errors file. */
    public record Bad(Failure failure) implements Prepared {}

    /** A message template of a chat job. */
    private record MessageTemplate(String role, PromptTemplate content) {}

    private final JobSpec spec;
    private final PromptTemplate prompt;
    private final PromptTemplate system;
    private final List<MessageTemplate> messages;
    private final ImageLoader images;

    public RequestBuilder(JobSpec spec) {
        this.spec = spec;
        this.prompt = spec.generation().prompt() == null
                ? null
                : PromptTemplate.parse(spec.generation().prompt());
        this.system = spec.generation().system() == null
                ? null
                : PromptTemplate.parse(spec.generation().system());
        this.messages = spec.chat().messages().stream()
                .map(m -> new MessageTemplate(m.role(), PromptTemplate.parse(m.content())))
                .toList();
        this.images = new ImageLoader(spec.input().images());
    }

    /** A generate or chat job's record as its request. */
    public Prepared prepare(WorkItem item) {
        Map<String, Object> options = options(item.cell());
        Number seed = options.get("seed") instanceof Number number ? number : null;
        return prepared(item, seed, (id, record) -> {
            ModelRequest request = spec.generation().endpoint() == Endpoint.CHAT
                    ? chat(item.model(), record, options)
                    : generate(item.model(), record, options);
            return request == null ? null : new Ready(id, record, request, seed, included(record));
        });
    }

    /** An embed job's record as the text to embed. */
    public Prepared prepareInput(WorkItem item) {
        return prepared(item, null, (id, record) -> {
            String text = prompt.render(record.fields());
            return text.isBlank() ? null : new Input(id, record, text, included(record));
        });
    }

    /** What a readable record with an id becomes: null when its prompt (or every message) renders empty. */
    private interface Rendered {
        Prepared of(Object id, DataRecord record);
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
            Prepared prepared = rendered.of(id, record);
            if (prepared == null) {
                return new Bad(new Failure(
                        id,
                        record.line(),
                        item.cell(),
                        seed,
                        FailureKind.BAD_RECORD,
                        messages.isEmpty() ? "the prompt renders empty" : "the last user message renders empty",
                        0,
                        null));
            }
            return prepared;
        } catch (MissingFieldException | ImageException | IllegalArgumentException e) {
            return new Bad(
                    new Failure(id, record.line(), item.cell(), seed, FailureKind.BAD_RECORD, e.getMessage(), 0, null));
        }
    }

    /** A generate request, or null when the prompt renders empty. */
    private GenerateRequest generate(String model, DataRecord record, Map<String, Object> options) {
        String text = prompt.render(record.fields());
        if (text.isBlank()) {
            return null;
        }
        return new GenerateRequest(
                model,
                text,
                system == null ? null : system.render(record.fields()),
                options,
                spec.generation().format(),
                spec.generation().think(),
                spec.generation().keepAlive(),
                images(record));
    }

    /**
     * A chat request, or null when it would ask nothing: the question, its last user message (every message, when
     * none is the user's), renders empty and it has no image.
     */
    private ChatRequest chat(String model, DataRecord record, Map<String, Object> options) {
        List<ChatRequest.Message> rendered = new ArrayList<>();
        if (messages.isEmpty()) {
            String text = prompt.render(record.fields());
            if (text.isBlank()) {
                return null;
            }
            if (system != null) {
                rendered.add(new ChatRequest.Message("system", system.render(record.fields()), null));
            }
            rendered.add(new ChatRequest.Message("user", text, null));
        } else {
            for (MessageTemplate message : messages) {
                rendered.add(new ChatRequest.Message(
                        message.role(), message.content().render(record.fields()), null));
            }
        }
        List<String> loaded = images(record);
        int lastUser = lastUserMessage(rendered);
        boolean asksNothing = rendered.get(lastUser).role().equals("user")
                ? rendered.get(lastUser).content().isBlank()
                : rendered.stream().allMatch(m -> m.content().isBlank());
        if (loaded == null && asksNothing) {
            return null;
        }
        if (loaded != null) {
            ChatRequest.Message user = rendered.get(lastUser);
            rendered.set(lastUser, new ChatRequest.Message(user.role(), user.content(), loaded));
        }
        return new ChatRequest(
                model,
                List.copyOf(rendered),
                options,
                spec.generation().format(),
                spec.generation().think(),
                spec.generation().keepAlive());
    }

    /** The record's images as base64, or null when it has none. */
    private List<String> images(DataRecord record) {
        List<String> loaded = images.load(record.fields());
        return loaded.isEmpty() ? null : loaded;
    }

    /** Where a chat's images go: the last user message, or the last message when no message is the user's. */
    private static int lastUserMessage(List<ChatRequest.Message> rendered) {
        for (int i = rendered.size() - 1; i >= 0; i--) {
            if (rendered.get(i).role().equals("user")) {
                return i;
            }
        }
        return rendered.size() - 1;
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

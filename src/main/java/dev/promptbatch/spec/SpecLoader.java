package dev.promptbatch.spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

import dev.promptbatch.input.InputFormat;
import dev.promptbatch.input.RecordReader;
import dev.promptbatch.openaibatch.BatchModels;
import dev.promptbatch.output.OutputFormat;
import dev.promptbatch.structured.AnswerCheck;
import dev.promptbatch.structured.InvalidSchemaException;

/**
 * Reads a job spec: YAML, every key known, every value of the expected type, {@code ${param}} substituted in the
 * paths and templates. Relative paths resolve against the working directory, not the spec's folder.
 */
public final class SpecLoader {
    private static final List<String> KEYS = List.of(
            "name",
            "endpoint",
            "input",
            "input-format",
            "id-field",
            "model",
            "models",
            "system",
            "prompt",
            "messages",
            "options",
            "format",
            "schema-retries",
            "think",
            "keep-alive",
            "images",
            "batch-size",
            "dimensions",
            "truncate",
            "output",
            "output-format",
            "include",
            "concurrency",
            "timeout",
            "retry",
            "max-failures",
            "max-outage",
            "max-record-size",
            "max-image-size",
            "seeds",
            "variants",
            "repeat",
            "report",
            "metrics-file",
            "cache",
            "server",
            "servers");
    private static final List<String> RETRY_KEYS = List.of("max-attempts", "initial-backoff", "max-backoff");
    private static final List<String> SERVER_KEYS = List.of("base-url", "api", "api-key-env");
    private static final List<String> MESSAGE_KEYS = List.of("role", "content");
    private static final String MESSAGES_EXAMPLE =
            "[{role: system, content: \"You extract facts.\"}, {role: user, content: \"{{text}}\"}]";
    private static final List<String> SERVERS_ENTRY_KEYS = List.of("url", "concurrency", "api", "api-key-env");
    private static final String SERVERS_EXAMPLE =
            "[{url: \"http://gpu1:11434\", concurrency: 8}, {url: \"http://gpu2:11434\"}]";
    /** Keys an OpenAI Batch input leaves to each line's body, or that have nothing to act on there. */
    private static final List<String> NOT_FOR_BATCH_INPUT = List.of(
            "endpoint",
            "id-field",
            "system",
            "prompt",
            "messages",
            "options",
            "format",
            "think",
            "images",
            "batch-size",
            "dimensions",
            "truncate",
            "include",
            "variants");

    private static final Pattern NAME = Pattern.compile("[a-z0-9-]+");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern PARAMETER = Pattern.compile("\\$\\{([^}]*)}");
    private static final Pattern BUDGET = Pattern.compile("(\\d+(\\.\\d+)?)\\s*%|(\\d+)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB)?");
    private static final Pattern GO_DURATION = Pattern.compile("-?(\\d+(\\.\\d+)?(ns|us|µs|ms|s|m|h))+");
    private static final Pattern UNQUOTED_TEMPLATE = Pattern.compile("\\s*([A-Za-z0-9_.-]+)\\s*:\\s*(\\{\\{.*?)\\s*");

    private final YAMLMapper yaml = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private final Path workingDirectory;

    public SpecLoader(Path workingDirectory) {
        this.workingDirectory = workingDirectory;
    }

    /** A spec, and the {@code --param} names that no {@code ${...}} in it uses, in the order given. */
    public record Loaded(JobSpec spec, List<String> unusedParameters) {}

    public JobSpec load(Path specFile, Map<String, String> parameters, Map<String, String> environment) {
        return loadNamingUnusedParameters(specFile, parameters, environment).spec();
    }

    /**
     * A spec made in code rather than read from a file (the {@code batch} command's): the same keys and checks as a
     * YAML spec; {@code origin} names it in messages.
     */
    public JobSpec fromTree(Path origin, JsonNode root, Map<String, String> environment) {
        return new Reader(origin, SpecLines.NONE, root, Map.of(), environment).read();
    }

    public Loaded loadNamingUnusedParameters(
            Path specFile, Map<String, String> parameters, Map<String, String> environment) {
        if (!Files.isRegularFile(specFile)) {
            throw new SpecException(specFile + ": no such spec file");
        }
        String text;
        try {
            text = Files.readString(specFile);
        } catch (IOException e) {
            throw new SpecException(specFile + ": cannot read: " + e.getMessage());
        }
        JsonNode root;
        try {
            root = yaml.readTree(text);
        } catch (JacksonException e) {
            int line = e.getLocation() != null ? e.getLocation().getLineNr() : -1;
            throw unquotedTemplate(specFile, line)
                    .orElseGet(() -> new SpecException(specFile + ": not valid YAML: " + e.getOriginalMessage()
                            + (line > 0 ? " (line " + line + ")" : "")));
        }
        if (root == null || !root.isObject()) {
            throw new SpecException(specFile + ": a job spec is a YAML mapping of keys such as name, input, prompt");
        }
        Reader reader = new Reader(specFile, SpecLines.of(yaml, text), root, parameters, environment);
        JobSpec spec = reader.read();
        List<String> unused = parameters.keySet().stream()
                .filter(name -> !reader.used.contains(name))
                .toList();
        return new Loaded(spec, unused);
    }

    /**
     * {@code prompt: {{fruit}}} is a YAML flow mapping, not text, and YAML's own message about it says nothing a
     * user would recognise: name the key and show the quoted form.
     */
    private static Optional<SpecException> unquotedTemplate(Path specFile, int line) {
        List<String> lines;
        try {
            lines = Files.readAllLines(specFile);
        } catch (IOException e) {
            return Optional.empty();
        }
        if (line < 1 || line > lines.size()) {
            return Optional.empty();
        }
        Matcher m = UNQUOTED_TEMPLATE.matcher(lines.get(line - 1));
        if (!m.matches()) {
            return Optional.empty();
        }
        String quoted = "\"" + m.group(2).replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        return Optional.of(new SpecException(specFile + ", line " + line + ": key '" + m.group(1) + "': a value that "
                + "starts with '{{' must be quoted, or YAML reads it as a mapping; write: " + m.group(1) + ": "
                + quoted));
    }

    /** One spec being read: knows its file for messages and the parameters for substitution. */
    private final class Reader {
        private final Path file;
        private final SpecLines lines;
        private final JsonNode root;
        private final Map<String, String> parameters;
        private final Map<String, String> environment;
        private final Set<String> used = new HashSet<>();

        Reader(
                Path file,
                SpecLines lines,
                JsonNode root,
                Map<String, String> parameters,
                Map<String, String> environment) {
            this.file = file;
            this.lines = lines;
            this.root = root;
            this.parameters = parameters;
            this.environment = environment;
        }

        JobSpec read() {
            checkKeys(root, KEYS, "");
            String name = requiredString("name");
            if (!NAME.matcher(name).matches()) {
                throw error("name", "lower-case letters, digits and '-' only, got '" + name + "'");
            }
            Path input = path("input", true);
            String inputName = input.getFileName().toString();
            if (!inputName.endsWith(".csv") && !inputName.endsWith(".jsonl")) {
                throw error("input", "a .csv or .jsonl file, got '" + inputName + "'");
            }
            Path output = path("output", true);
            String outputName = output.getFileName().toString();
            if (!outputName.endsWith(".jsonl") && !outputName.endsWith(".csv")) {
                throw error("output", "a .jsonl or .csv file, got '" + outputName + "'");
            }
            if (output.toAbsolutePath()
                    .normalize()
                    .equals(input.toAbsolutePath().normalize())) {
                throw error("output", "a file other than the input");
            }
            InputFormat inputFormat = inputFormat(input);
            OutputFormat outputFormat = outputFormat(output);
            boolean batchInput = inputFormat == InputFormat.OPENAI_BATCH;
            if (batchInput) {
                for (String key : NOT_FOR_BATCH_INPUT) {
                    if (root.has(key)) {
                        throw problem(
                                key,
                                "does not apply to input-format: openai-batch (each line is a request and its body "
                                        + "says what to ask; sweep with models, seeds or repeat)");
                    }
                }
            }
            Endpoint endpoint = endpoint();
            JobSpec.Chat chat = chat(endpoint);
            JobSpec.Embedding embedding = embedding(endpoint, outputName);
            String system = root.has("system") ? substitute("system", string("system")) : null;
            String prompt =
                    chat.messages().isEmpty() && !batchInput ? substitute("prompt", requiredString("prompt")) : null;
            Map<String, Object> options = options();
            // Read in this order, so that of two mistakes the same one is named first.
            String idField = batchInput ? "custom_id" : optionalString("id-field");
            boolean modelPerLine = batchInput && !root.has("model") && !root.has("models");
            List<String> models = modelPerLine ? lineModels(input) : models();
            JobSpec.Generation generation = new JobSpec.Generation(
                    models, system, prompt, options, format(), think(), keepAlive(), endpoint, modelPerLine);
            List<String> include = stringList("include");
            JsonNode concurrencyNode = root.get("concurrency");
            boolean autoConcurrency = isAuto(concurrencyNode);
            int concurrency = concurrencyNode == null || autoConcurrency
                    ? JobSpec.Limits.DEFAULT_CONCURRENCY
                    : concurrency(concurrencyNode, "concurrency");
            Duration timeout = duration(root, "timeout", JobSpec.Limits.DEFAULT_TIMEOUT);
            RetrySpec retry = retry();
            JobSpec.Server server = server();
            JobSpec.Limits limits = new JobSpec.Limits(
                    concurrency,
                    timeout,
                    retry,
                    duration(root, "max-outage", JobSpec.Limits.DEFAULT_MAX_OUTAGE),
                    maxFailures(),
                    autoConcurrency,
                    schemaRetries());
            JobSpec.Input records = new JobSpec.Input(input, idField, maxRecordBytes(), images(), inputFormat);
            JobSpec.Sweep sweep = new JobSpec.Sweep(seeds(), variants(options), repeat());
            return new JobSpec(
                    file,
                    name,
                    records,
                    generation,
                    sweep,
                    new JobSpec.Output(
                            output, include, report(output), path("metrics-file", false), outputFormat, cache()),
                    limits,
                    server,
                    chat,
                    embedding);
        }

        /**
         * {@code cache}: {@code true} for the default directory in the working directory, a directory, or
         * {@code false} (the default) for none.
         */
        private Path cache() {
            JsonNode node = root.get("cache");
            if (node == null || node.isNull() || node.isBoolean() && !node.asBoolean()) {
                return null;
            }
            if (node.isBoolean()) {
                return workingDirectory.resolve(JobSpec.Output.DEFAULT_CACHE).normalize();
            }
            if (!node.isString()) {
                throw error("cache", "true, false or a directory, got " + shown(node));
            }
            return path("cache", false);
        }

        /** {@code input-format}: what the extension says, or {@code openai-batch} for a .jsonl file. */
        private InputFormat inputFormat(Path input) {
            InputFormat byExtension = InputFormat.byExtension(input);
            JsonNode node = root.get("input-format");
            if (node == null || node.isNull()) {
                return byExtension;
            }
            for (InputFormat format : InputFormat.values()) {
                if (node.isString() && node.asString().equals(format.key())) {
                    if (format == byExtension
                            || (format == InputFormat.OPENAI_BATCH && byExtension == InputFormat.JSONL)) {
                        return format;
                    }
                    throw problem(
                            "input-format",
                            format.key() + " needs a ." + (format == InputFormat.CSV ? "csv" : "jsonl")
                                    + " input, got '" + input.getFileName() + "'");
                }
            }
            throw error("input-format", "csv, jsonl or openai-batch, got " + shown(node));
        }

        /** {@code output-format}: what the extension says, or {@code openai-batch} for a .jsonl file. */
        private OutputFormat outputFormat(Path output) {
            OutputFormat byExtension = OutputFormat.byExtension(output);
            JsonNode node = root.get("output-format");
            if (node == null || node.isNull()) {
                return byExtension;
            }
            for (OutputFormat format : OutputFormat.values()) {
                if (node.isString() && node.asString().equals(format.key())) {
                    if (format == byExtension
                            || (format == OutputFormat.OPENAI_BATCH && byExtension == OutputFormat.JSONL)) {
                        return format;
                    }
                    throw problem(
                            "output-format",
                            format.key() + " needs a ." + (format == OutputFormat.CSV ? "csv" : "jsonl")
                                    + " output, got '" + output.getFileName() + "'");
                }
            }
            throw error("output-format", "jsonl, csv or openai-batch, got " + shown(node));
        }

        /**
         * The models an OpenAI Batch input's lines name, for the checks before the run. An input that cannot be
         * read names none here; the input check says why.
         */
        private List<String> lineModels(Path input) {
            if (!Files.isReadable(input)) {
                return List.of();
            }
            List<String> models = BatchModels.of(input, maxRecordBytes());
            if (models.isEmpty()) {
                throw new SpecException(file + ": no model: no line of " + input + " names one in its body.model; "
                        + "set model (or models)");
            }
            return models;
        }

        private Endpoint endpoint() {
            JsonNode node = root.get("endpoint");
            if (node == null || node.isNull()) {
                return Endpoint.GENERATE;
            }
            for (Endpoint endpoint : Endpoint.values()) {
                if (node.isString() && node.asString().equals(endpoint.key())) {
                    return endpoint;
                }
            }
            throw error("endpoint", "generate, chat or embed, got " + shown(node));
        }

        /**
         * A chat job's messages. They hold the whole conversation, so {@code system} and {@code prompt} beside them
         * would leave it unclear which comes first: that is a mistake, not a rule to learn.
         */
        private JobSpec.Chat chat(Endpoint endpoint) {
            JsonNode node = root.get("messages");
            if (node == null || node.isNull()) {
                return JobSpec.Chat.NONE;
            }
            if (endpoint != Endpoint.CHAT) {
                throw problem(
                        "messages",
                        "only for endpoint: chat (this job's endpoint is "
                                + endpoint.name().toLowerCase() + ")");
            }
            for (String other : List.of("prompt", "system")) {
                if (root.has(other)) {
                    throw problem(
                            "messages",
                            "either messages, or system and prompt (which become a system and a user message), "
                                    + "not both: write the " + other + " as a message");
                }
            }
            if (!node.isArray() || node.isEmpty()) {
                throw error("messages", "a list of messages such as " + MESSAGES_EXAMPLE);
            }
            List<JobSpec.Message> messages = new ArrayList<>();
            for (int i = 0; i < node.size(); i++) {
                String key = "messages[" + (i + 1) + "]";
                JsonNode message = node.get(i);
                if (!message.isObject()) {
                    throw error(key, "a mapping such as {role: user, content: \"{{text}}\"}");
                }
                checkKeys(message, MESSAGE_KEYS, key + ".");
                JsonNode role = message.get("role");
                if (role == null || role.isNull()) {
                    throw new SpecException(file + ": missing required key '" + key + ".role'");
                }
                if (!role.isString() || !JobSpec.Chat.ROLES.contains(role.asString())) {
                    String hint = role.isString()
                            ? Suggestions.closest(role.asString(), JobSpec.Chat.ROLES)
                                    .map(r -> " (did you mean '" + r + "'?)")
                                    .orElse("")
                            : "";
                    throw error(
                            key + ".role",
                            "one of " + String.join(", ", JobSpec.Chat.ROLES) + ", got " + shown(role) + hint);
                }
                JsonNode content = message.get("content");
                if (content == null || content.isNull()) {
                    throw new SpecException(file + ": missing required key '" + key + ".content'");
                }
                if (!content.isString() && !content.isNumber()) {
                    throw error(
                            key + ".content",
                            "a text value, got " + content.getNodeType().name().toLowerCase());
                }
                messages.add(new JobSpec.Message(role.asString(), substitute(key + ".content", content.asString())));
            }
            return new JobSpec.Chat(List.copyOf(messages));
        }

        private int schemaRetries() {
            JsonNode node = root.get("schema-retries");
            if (node == null || node.isNull()) {
                return JobSpec.Limits.DEFAULT_SCHEMA_RETRIES;
            }
            return (int)
                    wholeNumber(node, "schema-retries", 0, JobSpec.Limits.MAX_SCHEMA_RETRIES, " (0: never ask again)");
        }

        /**
         * The embed keys, which only an embed job may set; an embed job takes no generation keys and writes JSON
         * Lines only (a vector has no place in a CSV cell).
         */
        private JobSpec.Embedding embedding(Endpoint endpoint, String outputName) {
            if (endpoint != Endpoint.EMBED) {
                for (String key : List.of("batch-size", "dimensions", "truncate")) {
                    if (root.has(key)) {
                        throw problem(key, "only for endpoint: embed");
                    }
                }
                return null;
            }
            for (String key : List.of("system", "format", "think", "images", "seeds")) {
                if (root.has(key)) {
                    throw problem(
                            key,
                            key.equals("seeds")
                                    ? "does not apply to endpoint: embed (an embedding takes no seed)"
                                    : "does not apply to endpoint: embed (the text embedded is the rendered prompt)");
                }
            }
            if (!outputName.endsWith(".jsonl")) {
                throw problem("output", "a .jsonl file: embed jobs write JSON Lines only, got '" + outputName + "'");
            }
            JsonNode batchSize = root.get("batch-size");
            JsonNode dimensions = root.get("dimensions");
            JsonNode truncate = root.get("truncate");
            if (truncate != null && !truncate.isNull() && !truncate.isBoolean()) {
                throw error("truncate", "true or false, got " + shown(truncate));
            }
            return new JobSpec.Embedding(
                    batchSize == null || batchSize.isNull()
                            ? JobSpec.Embedding.DEFAULT_BATCH_SIZE
                            : (int) wholeNumber(batchSize, "batch-size", 1, JobSpec.Embedding.MAX_BATCH_SIZE, ""),
                    dimensions == null || dimensions.isNull()
                            ? null
                            : (int) wholeNumber(dimensions, "dimensions", 1, Integer.MAX_VALUE, ""),
                    truncate == null || truncate.isNull() ? null : truncate.booleanValue());
        }

        private List<String> models() {
            if (root.has("model") && root.has("models")) {
                throw error("model", "either model or models, not both");
            }
            List<String> models = new ArrayList<>();
            if (root.has("model")) {
                models.add(string("model"));
            } else if (root.has("models")) {
                models.addAll(stringList("models"));
                if (models.isEmpty()) {
                    throw error("models", "a list of at least one model name");
                }
            } else if (environment.get("OLLAMA_MODEL") != null
                    && !environment.get("OLLAMA_MODEL").isBlank()) {
                models.add(environment.get("OLLAMA_MODEL").trim());
            } else {
                throw new SpecException(
                        file + ": no model: set model (or models), or the environment variable " + "OLLAMA_MODEL");
            }
            for (String model : models) {
                if (model.isBlank()) {
                    throw error("model", "a model name such as llama3.2:3b, got an empty name");
                }
            }
            if (Set.copyOf(models).size() != models.size()) {
                throw error("models", "each model once, got " + models);
            }
            return List.copyOf(models);
        }

        private Map<String, Object> options() {
            JsonNode node = root.get("options");
            if (node == null || node.isNull()) {
                return Map.of();
            }
            if (!node.isObject()) {
                throw error("options", "a mapping of Ollama options such as {temperature: 0.7, seed: 42}");
            }
            Map<String, Object> options = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> option : node.properties()) {
                OllamaOptions.check(option.getKey(), option.getValue()).ifPresent(problem -> {
                    throw problem("options." + option.getKey(), problem);
                });
                options.put(option.getKey(), yaml.treeToValue(option.getValue(), Object.class));
            }
            return options;
        }

        private Object format() {
            JsonNode node = root.get("format");
            if (node == null || node.isNull()) {
                return null;
            }
            if (node.isString() && node.asString().equals("json")) {
                return "json";
            }
            if (node.isObject()) {
                Map<?, ?> schema = yaml.treeToValue(node, Map.class);
                try {
                    AnswerCheck.of(schema);
                } catch (InvalidSchemaException e) {
                    throw problem("format", e.getMessage());
                }
                return schema;
            }
            throw error("format", "\"json\" or a JSON Schema object");
        }

        private Object think() {
            JsonNode node = root.get("think");
            if (node == null || node.isNull()) {
                return null;
            }
            if (node.isBoolean()) {
                return node.booleanValue();
            }
            if (node.isString() && List.of("low", "medium", "high", "max").contains(node.asString())) {
                return node.asString();
            }
            throw error("think", "true, false, or one of low, medium, high, max");
        }

        private Object keepAlive() {
            JsonNode node = root.get("keep-alive");
            if (node == null || node.isNull()) {
                return null;
            }
            if (node.isNumber()) {
                return node.numberValue();
            }
            if (node.isString() && GO_DURATION.matcher(node.asString()).matches()) {
                return node.asString();
            }
            throw error(
                    "keep-alive",
                    "a duration with a unit such as 10m or 1h, or a number of seconds "
                            + "(a negative value keeps the model loaded)");
        }

        private static boolean isAuto(JsonNode node) {
            return node != null && node.isString() && node.asString().equals("auto");
        }

        /** A whole number of requests in flight; {@code auto} is the caller's to read. */
        private int concurrency(JsonNode node, String key) {
            return (int) wholeNumber(node, key, 1, 1024, ", or auto");
        }

        private List<Long> seeds() {
            JsonNode node = root.get("seeds");
            if (node == null || node.isNull()) {
                return List.of();
            }
            List<Long> seeds = new ArrayList<>();
            if (node.isArray()) {
                for (JsonNode seed : node) {
                    if (!seed.isIntegralNumber()) {
                        seeds.clear();
                        break;
                    }
                    if (!seed.canConvertToLong()) {
                        throw error(
                                "seeds",
                                "whole numbers from " + Long.MIN_VALUE + " to " + Long.MAX_VALUE + ", got "
                                        + seed.asString());
                    }
                    seeds.add(seed.asLong());
                }
            }
            if (seeds.isEmpty() || Set.copyOf(seeds).size() != seeds.size()) {
                throw error("seeds", "a list of different whole numbers such as [1, 2, 3]");
            }
            return List.copyOf(seeds);
        }

        private List<Map<String, Object>> variants(Map<String, Object> options) {
            JsonNode node = root.get("variants");
            if (node == null || node.isNull()) {
                return List.of();
            }
            if (!node.isArray() || node.isEmpty()) {
                throw error("variants", "a list of option sets such as [{temperature: 0.0}, {temperature: 0.8}]");
            }
            List<Map<String, Object>> variants = new ArrayList<>();
            for (int i = 0; i < node.size(); i++) {
                JsonNode variant = node.get(i);
                if (!variant.isObject()) {
                    throw error("variants[" + i + "]", "a mapping of Ollama options such as {temperature: 0.8}");
                }
                Map<String, Object> values = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> option : variant.properties()) {
                    OllamaOptions.check(option.getKey(), option.getValue()).ifPresent(problem -> {
                        throw problem("variants[" + variants.size() + "]." + option.getKey(), problem);
                    });
                    values.put(option.getKey(), yaml.treeToValue(option.getValue(), Object.class));
                }
                variants.add(values);
            }
            OllamaOptions.loadTimeDifference(options, variants).ifPresent(difference -> {
                throw error(
                        "variants",
                        "the same " + difference + " in every variant: Ollama reloads the model "
                                + "when a load-time option changes, so set it once in options");
            });
            return List.copyOf(variants);
        }

        private Integer repeat() {
            JsonNode node = root.get("repeat");
            if (node == null || node.isNull()) {
                return null;
            }
            return (int) wholeNumber(node, "repeat", 1, 1000, "");
        }

        private Path report(Path output) {
            Path report = path("report", false);
            if (report != null && !report.getFileName().toString().endsWith(".html")) {
                throw error("report", "an .html file, got '" + report.getFileName() + "'");
            }
            if (report != null && report.equals(output)) {
                throw error("report", "a file other than the output");
            }
            return report;
        }

        private ErrorBudget maxFailures() {
            JsonNode node = root.get("max-failures");
            if (node == null || node.isNull()) {
                return ErrorBudget.UNLIMITED;
            }
            Matcher m = BUDGET.matcher(node.asString().trim());
            if (!(node.isIntegralNumber() || node.isString()) || !m.matches()) {
                throw error("max-failures", "a number of records such as 10, or a percentage such as 5%");
            }
            if (m.group(3) != null) {
                try {
                    return ErrorBudget.count(Long.parseLong(m.group(3)));
                } catch (NumberFormatException tooLarge) {
                    throw error(
                            "max-failures",
                            "a number of records up to " + Long.MAX_VALUE + ", or a " + "percentage such as 5%, got "
                                    + node.asString());
                }
            }
            double percent = Double.parseDouble(m.group(1));
            if (percent > 100) {
                throw error("max-failures", "a percentage from 0% to 100%");
            }
            return ErrorBudget.percent(percent);
        }

        private int maxRecordBytes() {
            return (int) size("max-record-size", RecordReader.DEFAULT_MAX_RECORD_BYTES, Integer.MAX_VALUE - 8, "2 GiB");
        }

        private JobSpec.Images images() {
            JsonNode node = root.get("images");
            List<String> fields = stringList("images");
            if (node != null && !node.isNull() && fields.isEmpty()) {
                throw error("images", "a list of input fields that hold image files, such as [photo]");
            }
            for (String field : fields) {
                if (field.isBlank()) {
                    throw error("images", "a list of input field names, got an empty name");
                }
            }
            if (Set.copyOf(fields).size() != fields.size()) {
                throw error("images", "a list of different input fields, got " + node);
            }
            // A base64 text of the largest image must still fit in one Java string.
            long maxBytes = size("max-image-size", JobSpec.Images.DEFAULT_MAX_BYTES, 1L << 30, "1 GiB");
            return new JobSpec.Images(List.copyOf(fields), maxBytes, workingDirectory);
        }

        /** A size in bytes, KiB, MiB or GiB, from 1 byte to {@code max}. */
        private long size(String key, long fallback, long max, String maxText) {
            JsonNode node = root.get(key);
            if (node == null || node.isNull()) {
                return fallback;
            }
            Matcher m = SIZE.matcher(node.asString().trim());
            long bytes = -1;
            if ((node.isIntegralNumber() || node.isString()) && m.matches()) {
                long unit = switch (m.group(2) == null ? "B" : m.group(2)) {
                    case "KiB" -> 1L << 10;
                    case "MiB" -> 1L << 20;
                    case "GiB" -> 1L << 30;
                    default -> 1;
                };
                // More than ten digits is past the limit in any unit; fewer cannot overflow a long.
                bytes = m.group(1).length() > 10 ? Long.MAX_VALUE : Long.parseLong(m.group(1)) * unit;
            }
            if (bytes < 1 || bytes > max) {
                throw error(
                        key,
                        "a size such as 1MiB, 512KiB or 65536 (bytes), up to " + maxText + ", got " + node.asString());
            }
            return bytes;
        }

        private RetrySpec retry() {
            JsonNode node = root.get("retry");
            if (node == null) {
                return RetrySpec.DEFAULT;
            }
            if (!node.isObject()) {
                throw error("retry", "a mapping such as {max-attempts: 6, initial-backoff: 1s, max-backoff: 2m}");
            }
            checkKeys(node, RETRY_KEYS, "retry.");
            int attempts = RetrySpec.DEFAULT.maxAttempts();
            JsonNode attemptsNode = node.get("max-attempts");
            if (attemptsNode != null) {
                attempts = (int) wholeNumber(attemptsNode, "retry.max-attempts", 1, 1000, " (1 means no retry)");
            }
            Duration initial = duration(node, "initial-backoff", RetrySpec.DEFAULT.initialBackoff(), "retry.");
            Duration max = duration(node, "max-backoff", RetrySpec.DEFAULT.maxBackoff(), "retry.");
            if (max.compareTo(initial) < 0) {
                throw error("retry.max-backoff", "at least initial-backoff (" + Durations.format(initial) + ")");
            }
            return new RetrySpec(attempts, initial, max);
        }

        private JobSpec.Server server() {
            if (root.has("server") && root.has("servers")) {
                throw error("server", "either server or servers, not both");
            }
            JsonNode server = root.get("server");
            String baseUrl = baseUrl();
            boolean mapping = server != null && server.isObject();
            return new JobSpec.Server(
                    baseUrl,
                    mapping ? api(server, "server") : ServerApi.OLLAMA,
                    mapping ? apiKeyEnv(server, "server") : null,
                    servers());
        }

        private ServerApi api(JsonNode server, String key) {
            JsonNode api = server.get("api");
            if (api == null || api.isNull()) {
                return ServerApi.OLLAMA;
            }
            for (ServerApi each : ServerApi.values()) {
                if (api.isString() && api.asString().equals(each.key())) {
                    return each;
                }
            }
            throw error(key + ".api", "ollama or openai, got " + shown(api));
        }

        /** The name of the variable holding the token: the token itself never goes in a spec. */
        private String apiKeyEnv(JsonNode server, String key) {
            JsonNode variable = server.get("api-key-env");
            if (variable == null || variable.isNull()) {
                return null;
            }
            if (!variable.isString() || !ENV_NAME.matcher(variable.asString()).matches()) {
                throw error(
                        key + ".api-key-env",
                        "the name of an environment variable such as VLLM_TOKEN (the variable holds the key; the "
                                + "key is not written in the spec)");
            }
            return variable.asString();
        }

        private String baseUrl() {
            JsonNode server = root.get("server");
            if (server == null || server.isNull()) {
                return null;
            }
            if (!server.isObject()) {
                throw error("server", "a mapping such as {base-url: \"http://127.0.0.1:11434\"}");
            }
            checkKeys(server, SERVER_KEYS, "server.");
            JsonNode url = server.get("base-url");
            if (url == null || url.isNull()) {
                return null;
            }
            if (!url.isString() || url.asString().isBlank()) {
                throw error("server.base-url", "a URL such as http://127.0.0.1:11434");
            }
            return url.asString().trim();
        }

        private List<JobSpec.ServerEntry> servers() {
            JsonNode node = root.get("servers");
            if (node == null) {
                return List.of();
            }
            if (!node.isArray() || node.isEmpty()) {
                throw error("servers", "a list of at least one server such as " + SERVERS_EXAMPLE);
            }
            List<JobSpec.ServerEntry> entries = new ArrayList<>();
            Map<String, String> keyByIdentity = new LinkedHashMap<>();
            for (int i = 0; i < node.size(); i++) {
                String key = "servers[" + (i + 1) + "]";
                JobSpec.ServerEntry entry = serverEntry(node.get(i), key);
                String first = keyByIdentity.putIfAbsent(entry.url().identity(), key);
                if (first != null) {
                    throw problem(
                            key + ".url",
                            "the same server as " + first + " (" + entry.url().display() + "): list each server once");
                }
                entries.add(entry);
            }
            return List.copyOf(entries);
        }

        private JobSpec.ServerEntry serverEntry(JsonNode node, String key) {
            if (!node.isObject()) {
                throw error(key, "a mapping such as {url: \"http://gpu1:11434\", concurrency: 8}");
            }
            checkKeys(node, SERVERS_ENTRY_KEYS, key + ".");
            JsonNode url = node.get("url");
            if (url == null || url.isNull()) {
                throw new SpecException(file + ": missing required key '" + key + ".url'");
            }
            if (!url.isString() || url.asString().isBlank()) {
                throw error(key + ".url", "a URL such as " + ServerUrl.EXAMPLE + ", got " + shown(url));
            }
            ServerUrl parsed;
            try {
                parsed = ServerUrl.parse(url.asString());
            } catch (ServerUrl.InvalidException e) {
                throw problem(key + ".url", e.getMessage());
            }
            ServerApi api = api(node, key);
            String apiKeyEnv = apiKeyEnv(node, key);
            JsonNode concurrency = node.get("concurrency");
            if (isAuto(concurrency)) {
                return new JobSpec.ServerEntry(parsed, null, true, api, apiKeyEnv);
            }
            Integer own = concurrency == null ? null : concurrency(concurrency, key + ".concurrency");
            return new JobSpec.ServerEntry(parsed, own, false, api, apiKeyEnv);
        }

        private Duration duration(JsonNode parent, String key, Duration fallback) {
            return duration(parent, key, fallback, "");
        }

        private Duration duration(JsonNode parent, String key, Duration fallback, String prefix) {
            JsonNode node = parent.get(key);
            if (node == null || node.isNull()) {
                return fallback;
            }
            Duration value = node.isString() ? Durations.parseOrNull(node.asString()) : null;
            if (value == null || value.isZero()) {
                throw error(prefix + key, "a duration such as 500ms, 30s, 10m or 1h");
            }
            if (value.compareTo(Durations.LONGEST) > 0) {
                throw error(
                        prefix + key,
                        "a duration of at most " + Durations.format(Durations.LONGEST) + " (a year), got "
                                + node.asString());
            }
            return value;
        }

        /** A whole number within bounds; "got" shows what was written, however large. */
        private long wholeNumber(JsonNode node, String key, long min, long max, String note) {
            if (!node.isIntegralNumber() || !node.canConvertToLong() || node.asLong() < min || node.asLong() > max) {
                throw error(key, "a whole number from " + min + " to " + max + note + ", got " + shown(node));
            }
            return node.asLong();
        }

        private static String shown(JsonNode node) {
            return node.isValueNode() ? node.asString() : node.toString();
        }

        private Path path(String key, boolean required) {
            String text = required ? requiredString(key) : optionalString(key);
            return text == null
                    ? null
                    : workingDirectory.resolve(substitute(key, text)).normalize();
        }

        private String substitute(String key, String text) {
            Matcher m = PARAMETER.matcher(text);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                used.add(m.group(1));
                String value = parameters.get(m.group(1));
                if (value == null) {
                    throw error(key, "a value for ${" + m.group(1) + "}: pass --param " + m.group(1) + "=VALUE");
                }
                m.appendReplacement(out, Matcher.quoteReplacement(value));
            }
            m.appendTail(out);
            return out.toString();
        }

        private List<String> stringList(String key) {
            JsonNode node = root.get(key);
            if (node == null || node.isNull()) {
                return List.of();
            }
            if (!node.isArray()) {
                throw error(key, "a list such as [a, b]");
            }
            List<String> values = new ArrayList<>();
            for (JsonNode item : node) {
                if (!item.isString() && !item.isNumber()) {
                    throw error(key, "a list of names, got " + item);
                }
                values.add(item.asString());
            }
            return values;
        }

        private String requiredString(String key) {
            if (!root.has(key) || root.get(key).isNull()) {
                throw new SpecException(file + ": missing required key '" + key + "'");
            }
            return string(key);
        }

        private String optionalString(String key) {
            return root.has(key) && !root.get(key).isNull() ? string(key) : null;
        }

        private String string(String key) {
            JsonNode node = root.get(key);
            if (!node.isString() && !node.isNumber()) {
                throw error(
                        key, "a text value, got " + node.getNodeType().name().toLowerCase());
            }
            String value = node.asString();
            if (value.isBlank()) {
                throw error(key, "a non-empty value");
            }
            return value;
        }

        private void checkKeys(JsonNode node, List<String> known, String prefix) {
            for (String key : node.propertyNames()) {
                if (!known.contains(key)) {
                    String hint = Suggestions.closest(key, known)
                            .map(k -> " (did you mean '" + prefix + k + "'?)")
                            .orElse("");
                    throw new SpecException(at(prefix + key) + ": unknown key '" + prefix + key + "'" + hint
                            + "; known keys: "
                            + String.join(", ", known));
                }
            }
        }

        private SpecException error(String key, String expected) {
            return problem(key, "expected " + expected);
        }

        private SpecException problem(String key, String problem) {
            return new SpecException(at(key) + ": key '" + key + "': " + problem);
        }

        /** The file, and the key's line when it has one (a key that is missing has none). */
        private String at(String key) {
            OptionalInt line = lines.line(key);
            return file + (line.isPresent() ? ", line " + line.getAsInt() : "");
        }
    }
}

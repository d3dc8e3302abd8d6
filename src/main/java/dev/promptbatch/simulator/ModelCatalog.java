package dev.promptbatch.simulator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The models "pulled" on the simulated server, with plausible metadata derived from their names. */
final class ModelCatalog {

    /** Q4_K_M, Ollama's default quantization, stores about 4.85 bits per weight. */
    private static final double BYTES_PER_PARAMETER = 0.61;

    private static final Pattern PARAMETER_SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)([bm])");

    /** One model. {@code name} is canonical ({@code name:tag}); requests may leave out {@code :latest}. */
    record Model(
            String name, String family, String parameterSize, long parameterCount, String digest, ModelTraits traits) {

        long sizeBytes() {
            return (long) (parameterCount * BYTES_PER_PARAMETER);
        }

        boolean thinking() {
            return traits.thinking();
        }

        List<String> capabilities() {
            return traits.capabilities();
        }
    }

    /** Insertion-ordered, and guarded by itself: a test may give a model another digest while the server runs. */
    private final Map<String, Model> models = Collections.synchronizedMap(new LinkedHashMap<>());

    private final OffsetDateTime modifiedAt;
    private final String tagsName;

    /** {@code tagsName}: see {@link ServerQuirks#tagsName()}; null lists each model under its own name. */
    ModelCatalog(List<String> names, OffsetDateTime modifiedAt, String tagsName) {
        for (String name : names) {
            Model model = describe(canonical(name));
            models.put(model.name(), model);
        }
        this.modifiedAt = modifiedAt;
        this.tagsName = tagsName;
    }

    /** The model a request names, matched the way Ollama does: a missing tag means {@code :latest}. */
    Optional<Model> find(String requested) {
        return requested.isEmpty() ? Optional.empty() : Optional.ofNullable(models.get(canonical(requested)));
    }

    /** Gives {@code name} the digest {@code digest}, as a server that pulled another build of it reports. */
    void digest(String name, String digest) {
        Model model = find(name).orElseThrow(() -> new IllegalArgumentException("no model " + name));
        models.put(
                model.name(),
                new Model(
                        model.name(),
                        model.family(),
                        model.parameterSize(),
                        model.parameterCount(),
                        digest,
                        model.traits()));
    }

    /**
     * The {@code /v1/models} answer, as Ollama's compatibility layer builds it from the tags: {@code created} is the
     * modified time, {@code owned_by} the name's namespace ({@code library} when the name has none).
     */
    ObjectNode openAiModels() {
        ObjectNode answer = Exchanges.object();
        answer.put("object", "list");
        ArrayNode list = answer.putArray("data");
        for (Model model : List.copyOf(models.values())) {
            list.add(openAiModel(tagsName == null ? model.name() : tagsName));
        }
        return answer;
    }

    /** One model as {@code /v1/models} lists it and {@code /v1/models/{model}} answers it, under {@code id}. */
    ObjectNode openAiModel(String id) {
        String[] parts = id.split("/");
        ObjectNode entry = Exchanges.object();
        entry.put("id", id);
        entry.put("object", "model");
        entry.put("created", modifiedAt.toEpochSecond());
        entry.put("owned_by", parts.length >= 2 ? parts[parts.length - 2] : "library");
        return entry;
    }

    /** The {@code /api/tags} answer. */
    ObjectNode tags() {
        ObjectNode answer = Exchanges.object();
        ArrayNode list = answer.putArray("models");
        for (Model model : List.copyOf(models.values())) {
            ObjectNode entry = list.addObject();
            entry.put("name", tagsName == null ? model.name() : tagsName);
            entry.put("model", model.name());
            entry.put("modified_at", GoFormats.rfc3339Nano(modifiedAt));
            entry.put("size", model.sizeBytes());
            entry.put("digest", model.digest());
            entry.set("details", details(model));
            capabilities(entry, model);
        }
        return answer;
    }

    /** The {@code /api/show} answer. */
    ObjectNode show(Model model) {
        ObjectNode answer = Exchanges.object();
        answer.put("license", "Simulated model: the answers of PromptBatch's Ollama simulator are synthetic.");
        answer.put(
                "modelfile",
                "# Modelfile generated by \"ollama show\"\nFROM " + model.name() + "\n" + "TEMPLATE {{ .Prompt }}\n"
                        + parameterLines("PARAMETER "));
        answer.put("parameters", parameterLines(""));
        answer.put("template", "{{ .Prompt }}");
        answer.set("details", details(model));
        ObjectNode info = answer.putObject("model_info");
        info.put("general.architecture", model.family());
        info.put("general.parameter_count", model.parameterCount());
        info.put("general.quantization_version", 2);
        info.put(model.family() + ".context_length", model.traits().contextLength());
        if (model.traits().embedding()) {
            info.put(model.family() + ".embedding_length", model.traits().embeddingLength());
        }
        capabilities(answer, model);
        answer.put("modified_at", GoFormats.rfc3339Nano(modifiedAt));
        return answer;
    }

    private static ObjectNode details(Model model) {
        ObjectNode details = Exchanges.object();
        details.put("parent_model", "");
        details.put("format", "gguf");
        details.put("family", model.family());
        details.putArray("families").add(model.family());
        details.put("parameter_size", model.parameterSize());
        details.put("quantization_level", "Q4_K_M");
        return details;
    }

    private static void capabilities(ObjectNode target, Model model) {
        ArrayNode capabilities = target.putArray("capabilities");
        model.capabilities().forEach(capabilities::add);
    }

    /** Ollama prints Modelfile parameters as a name padded to 30 characters, a space and the value. */
    private static String parameterLines(String prefix) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format("%s%-30s %s", prefix, "temperature", "0.8"));
        lines.add(String.format("%s%-30s %s", prefix, "top_k", "40"));
        lines.add(String.format("%s%-30s %s", prefix, "top_p", "0.9"));
        return String.join("\n", lines);
    }

    private static String canonical(String name) {
        int slash = name.lastIndexOf('/');
        return name.indexOf(':', slash + 1) >= 0 ? name : name + ":latest";
    }

    private static Model describe(String name) {
        int slash = name.lastIndexOf('/');
        int colon = name.indexOf(':', slash + 1);
        String base = name.substring(slash + 1, colon).toLowerCase(Locale.ROOT);
        String tag = name.substring(colon + 1).toLowerCase(Locale.ROOT);

        String family = base.split("[.\\-_]", 2)[0];
        if (family.startsWith("llama")) {
            family = "llama"; // Ollama reports every Llama generation as family "llama"
        }

        ModelTraits traits = ModelTraits.of(name);
        // Embedding models are small: all-minilm has 23M parameters, nomic-embed-text 137M.
        String parameterSize = "7B";
        long parameterCount = 7_000_000_000L;
        if (traits.embedding()) {
            family = base.startsWith("nomic") ? "nomic-bert" : "bert"; // as Ollama reports their architectures
            boolean minilm = base.contains("minilm");
            parameterSize = minilm ? "23M" : "137M";
            parameterCount = minilm ? 23_000_000L : 137_000_000L;
        }
        Matcher size = PARAMETER_SIZE.matcher(tag);
        if (size.find()) {
            double value = Double.parseDouble(size.group(1));
            boolean billions = size.group(2).equals("b");
            parameterSize = size.group(1) + (billions ? "B" : "M");
            parameterCount = (long) (value * (billions ? 1e9 : 1e6));
        }

        return new Model(name, family, parameterSize, parameterCount, "sha256:" + sha256Hex(name), traits);
    }

    private static String sha256Hex(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}

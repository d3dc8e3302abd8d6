package dev.promptbatch.report;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.MissingNode;

import dev.promptbatch.output.RunManifest;

/**
 * The run's {@code NAME.manifest.json} as the report reads it. A run's numbers are still worth showing without it, so
 * a missing or unreadable manifest leaves every value absent and says why in {@link #problem()}.
 */
final class ManifestView {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private final JsonNode root;
    private final String problem;

    private ManifestView(JsonNode root, String problem) {
        this.root = root;
        this.problem = problem;
    }

    static ManifestView of(Path output) {
        Path file = RunManifest.fileFor(output);
        if (!Files.isRegularFile(file)) {
            return new ManifestView(
                    MissingNode.getInstance(),
                    "There is no manifest beside the output ("
                            + file.getFileName() + "): which server, model digests and options produced these answers "
                            + "is unknown.");
        }
        String reason;
        try {
            JsonNode root = JSON.readTree(file);
            if (root.isObject()) {
                return new ManifestView(root, null);
            }
            reason = "not a JSON object";
        } catch (JacksonException e) {
            reason = e.getOriginalMessage();
        }
        return new ManifestView(
                MissingNode.getInstance(),
                "The manifest " + file.getFileName() + " could not be read (" + reason
                        + "): the run's details are unknown.");
    }

    boolean present() {
        return problem == null;
    }

    /** Why the manifest's details are missing, or null when it was read. */
    String problem() {
        return problem;
    }

    JsonNode root() {
        return root;
    }

    /** The text at a path of keys, or null where it is absent, null or empty. */
    String text(String... keys) {
        JsonNode node = root;
        for (String key : keys) {
            node = node.path(key);
        }
        String text = node.asString("");
        return text.isEmpty() ? null : text;
    }

    /** The text at a path of keys, or {@code fallback}. */
    String textOr(String fallback, String... keys) {
        return Objects.requireNonNullElse(text(keys), fallback);
    }

    /**
     * The URLs of the run's servers, as its {@code servers} list gives them; a manifest of an earlier version names one
     * {@code server}.
     */
    List<String> serverUrls() {
        List<String> urls = new ArrayList<>();
        root.path("servers").values().forEach(server -> {
            if (!server.path("url").asString("").isEmpty()) {
                urls.add(server.path("url").asString());
            }
        });
        String single = text("server", "url");
        if (urls.isEmpty() && single != null) {
            urls.add(single);
        }
        return urls;
    }

    boolean simulated() {
        return root.path("simulated").asBoolean(false);
    }

    /** A manifest time ({@code 2026-11-22T00:31:05.710}) to the second, or null where it is absent or unknown. */
    String time(String key) {
        return dateTime(key).map(TIME::format).orElse(null);
    }

    /** From start to end, where both are known. */
    Optional<Duration> wallTime() {
        return dateTime("started").flatMap(start -> dateTime("ended").map(end -> Duration.between(start, end)));
    }

    /**
     * For each variant index, its options that differ from another variant's: what tells the variants apart. Empty
     * when the run has no variants.
     */
    Map<Integer, String> variantDifferences() {
        List<JsonNode> variants = new ArrayList<>();
        root.path("options").values().forEach(entry -> {
            if (entry.path("variant").isNumber()) {
                variants.add(entry);
            }
        });
        Map<Integer, String> differences = new TreeMap<>();
        for (JsonNode variant : variants) {
            List<String> differing = new ArrayList<>();
            variant.path("options").properties().forEach(option -> {
                boolean sameEverywhere = variants.stream()
                        .allMatch(other ->
                                option.getValue().equals(other.path("options").path(option.getKey())));
                if (!sameEverywhere) {
                    differing.add(option.getKey() + "=" + valueText(option.getValue()));
                }
            });
            differences.put(variant.path("variant").asInt(), String.join(", ", differing));
        }
        return differences;
    }

    /** A JSON value as a person writes it: text without quotes, anything else as JSON. */
    static String valueText(JsonNode value) {
        return value.isValueNode() ? value.asString() : value.toString();
    }

    private Optional<LocalDateTime> dateTime(String key) {
        String text = text(key);
        if (text == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(LocalDateTime.parse(text));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}

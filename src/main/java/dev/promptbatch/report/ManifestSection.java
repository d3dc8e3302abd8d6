package dev.promptbatch.report;

import static dev.promptbatch.report.Html.escape;

import java.util.ArrayList;
import java.util.List;

import tools.jackson.databind.JsonNode;

import dev.promptbatch.output.Sizes;

/**
 * What produced the numbers, from the manifest and readable: versions, server (or a table of the servers when there
 * are several), models with digests, input, options, sweep, host and times; then the whole manifest as JSON, folded
 * away.
 */
final class ManifestSection {
    private ManifestSection() {}

    static String html(ManifestView manifest) {
        StringBuilder out = new StringBuilder("<section>\n<h2>Run details</h2>\n");
        if (!manifest.present()) {
            return out.append("<p class=\"notice\">")
                    .append(escape(manifest.problem()))
                    .append("</p>\n</section>\n")
                    .toString();
        }
        out.append("<dl class=\"facts\">\n");
        fact(out, "PromptBatch", escapedOrNone(manifest.text("promptbatch", "version")));
        JsonNode servers = manifest.root().path("servers");
        if (servers.size() < 2) {
            JsonNode only =
                    servers.size() == 1 ? servers.get(0) : manifest.root().path("server");
            fact(out, "Server", escapedOrNone(manifest.text("server", "url")) + " &middot; " + serverKind(only));
        }
        fact(out, "Input", input(manifest));
        JsonNode seeds = manifest.root().path("spec").path("seeds");
        fact(out, "Seeds", seeds.isEmpty() ? "not swept (see the options)" : list(seeds));
        fact(out, "Repeat", escape(manifest.textOr("1", "spec", "repeat")) + " &times;");
        fact(out, "Concurrency", escapedOrNone(manifest.text("spec", "concurrency")));
        fact(out, "Parameters", parameters(manifest.root().path("parameters")));
        fact(out, "Host", host(manifest));
        fact(out, "Started", escapedOrNone(manifest.time("started")));
        fact(out, "Ended", escapedOrNone(manifest.time("ended")));
        out.append("</dl>\n");
        if (servers.size() >= 2) {
            out.append("<h3>Servers</h3>\n").append(servers(servers));
        }
        out.append("<h3>Models</h3>\n").append(models(manifest.root().path("models")));
        out.append("<h3>Options</h3>\n").append(options(manifest.root().path("options")));
        out.append("<h3>Prompt</h3>\n").append(prompt(manifest));
        out.append("<details><summary>Full manifest (JSON)</summary>\n<pre class=\"json\">")
                .append(escape(manifest.root().toPrettyString()))
                .append("</pre>\n</details>\n");
        return out.append("</section>\n").toString();
    }

    private static String input(ManifestView manifest) {
        String path = manifest.text("input", "path");
        String sha = manifest.text("input", "sha256");
        JsonNode size = manifest.root().path("input").path("size");
        return "<code class=\"path\">" + escapedOrNone(path) + "</code> &middot; "
                + (size.isNumber() ? Sizes.readable(size.asLong()) : Html.NONE) + " &middot; SHA-256 "
                + (sha == null ? Html.NONE : Html.shortHash(sha));
    }

    private static String host(ManifestView manifest) {
        JsonNode host = manifest.root().path("host");
        List<String> parts = new ArrayList<>();
        for (String key : List.of("name", "os")) {
            if (!host.path(key).asString("").isEmpty()) {
                parts.add(escape(host.path(key).asString()));
            }
        }
        if (host.path("cpus").isNumber()) {
            parts.add(host.path("cpus").asInt() + " CPUs");
        }
        if (!host.path("jvm").asString("").isEmpty()) {
            parts.add(escape(host.path("jvm").asString()));
        }
        if (host.path("memory_bytes").isNumber()) {
            parts.add(
                    "JVM heap up to " + Sizes.readable(host.path("memory_bytes").asLong()));
        }
        return parts.isEmpty() ? Html.NONE : String.join(" &middot; ", parts);
    }

    /**
     * What a server is: Ollama and its version, or the OpenAI-compatible API and whose time its durations are (such
     * a server reports none unless it is llama-server).
     */
    private static String serverKind(JsonNode server) {
        if (!"openai".equals(server.path("api").asString("ollama"))) {
            return "Ollama " + escapedOrNone(server.path("version").asString(""));
        }
        return "OpenAI-compatible API"
                + switch (server.path("durations").asString("")) {
                    case "server" -> " (durations from the server's timings)";
                    case "none" -> " (no durations: tokens/s from the latency measured here)";
                    case "mixed" -> " (durations from the server's timings for some answers only)";
                    default -> "";
                };
    }

    /** Each server: its version, its bound on requests in flight, and the digest of each of the run's models on it. */
    private static String servers(JsonNode servers) {
        StringBuilder out = new StringBuilder("<table class=\"plain\">\n<thead><tr><th class=\"text\">Server</th>"
                + "<th class=\"text\">API</th><th>Concurrency</th><th class=\"text\">Models</th></tr></thead>\n"
                + "<tbody>\n");
        for (JsonNode server : servers.values()) {
            List<String> models = new ArrayList<>();
            server.path("models").values().forEach(model -> {
                String digest = model.path("digest").asString("");
                models.add(escape(model.path("name").asString(""))
                        + (digest.isEmpty() ? "" : " " + Html.shortHash(digest)));
            });
            JsonNode concurrency = server.path("concurrency");
            out.append("<tr><td class=\"text\">")
                    .append(escapedOrNone(server.path("url").asString("")))
                    .append("</td><td class=\"text\">")
                    .append(server.path("reached").asBoolean(true) ? serverKind(server) : "not reached")
                    .append("</td><td class=\"num\">")
                    .append(concurrency.isNumber() ? String.valueOf(concurrency.asInt()) : Html.NONE)
                    .append(server.path("auto").asBoolean(false) ? " (auto)" : "")
                    .append("</td><td class=\"text\">")
                    .append(models.isEmpty() ? Html.NONE : String.join("<br>", models))
                    .append("</td></tr>\n");
        }
        return out.append("</tbody>\n</table>\n").toString();
    }

    private static String models(JsonNode models) {
        StringBuilder out = new StringBuilder("<table class=\"plain\">\n<thead><tr><th class=\"text\">Model</th>"
                + "<th class=\"text\">Digest</th><th class=\"text\">Family</th><th class=\"text\">Parameters</th>"
                + "<th class=\"text\">Quantization</th><th class=\"text\">Format</th>"
                + "<th class=\"text\">Capabilities</th></tr></thead>\n<tbody>\n");
        for (JsonNode model : models.values()) {
            JsonNode details = model.path("details");
            String digest = model.path("digest").asString("");
            out.append("<tr><td class=\"text\">")
                    .append(escape(model.path("name").asString("")))
                    .append("</td><td class=\"text\">")
                    .append(digest.isEmpty() ? Html.NONE : Html.shortHash(digest))
                    .append("</td>");
            for (String key : List.of("family", "parameter_size", "quantization_level", "format")) {
                out.append("<td class=\"text\">")
                        .append(escapedOrNone(details.path(key).asString("")))
                        .append("</td>");
            }
            out.append("<td class=\"text\">")
                    .append(list(model.path("capabilities")))
                    .append("</td></tr>\n");
        }
        return out.append("</tbody>\n</table>\n").toString();
    }

    /** Each variant's options as Ollama received them (the spec's options with the variant's on top). */
    private static String options(JsonNode entries) {
        StringBuilder out = new StringBuilder("<table class=\"plain\">\n<thead><tr><th class=\"text\">Variant</th>"
                + "<th class=\"text\">Options</th></tr></thead>\n<tbody>\n");
        for (JsonNode entry : entries.values()) {
            JsonNode variant = entry.path("variant");
            String options = codes(entry.path("options"));
            out.append("<tr><td class=\"text\">")
                    .append(variant.isNumber() ? "v" + variant.asInt() : "all answers")
                    .append("</td><td class=\"text\">")
                    .append(options.isEmpty() ? "Ollama's defaults" : options)
                    .append("</td></tr>\n");
        }
        return out.append("</tbody>\n</table>\n").toString();
    }

    /**
     * What each record was sent, as templates: a generate job's system and prompt, a chat job's messages with their
     * roles (its system and prompt as the system and user message they are sent as, when it has no
     * {@code messages}); a marker for each image field where the images go (with the prompt, or on the last user
     * message).
     */
    private static String prompt(ManifestView manifest) {
        JsonNode spec = manifest.root().path("spec");
        List<String> images = new ArrayList<>();
        spec.path("images").values().forEach(field -> images.add(field.asString("")));
        if (!"chat".equals(spec.path("endpoint").asString(""))) {
            StringBuilder out = new StringBuilder();
            String system = manifest.text("spec", "system");
            if (system != null) {
                out.append("<p class=\"caption\">System</p>\n<pre class=\"prompt\">")
                        .append(escape(system))
                        .append("</pre>\n");
            }
            return out.append("<p class=\"caption\">Prompt template</p>\n<pre class=\"prompt\">")
                    .append(escapedOrNone(manifest.text("spec", "prompt")))
                    .append(imageMarkers(images))
                    .append("</pre>\n")
                    .toString();
        }
        List<String[]> messages = new ArrayList<>();
        spec.path("messages")
                .values()
                .forEach(message -> messages.add(new String[] {
                    message.path("role").asString(""), message.path("content").asString("")
                }));
        if (messages.isEmpty()) {
            String system = manifest.text("spec", "system");
            if (system != null) {
                messages.add(new String[] {"system", system});
            }
            messages.add(new String[] {"user", manifest.textOr("", "spec", "prompt")});
        }
        int withImages = messages.size() - 1;
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i)[0].equals("user")) {
                withImages = i;
                break;
            }
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < messages.size(); i++) {
            out.append("<p class=\"caption\">Message ")
                    .append(i + 1)
                    .append(": ")
                    .append(escape(messages.get(i)[0]))
                    .append("</p>\n<pre class=\"prompt\">")
                    .append(escapedOrNone(messages.get(i)[1]))
                    .append(i == withImages ? imageMarkers(images) : "")
                    .append("</pre>\n");
        }
        return out.toString();
    }

    /** One line per image field, after the text the images go with. */
    private static String imageMarkers(List<String> fields) {
        StringBuilder out = new StringBuilder();
        fields.forEach(field -> out.append("\n<span class=\"image\">[image: ")
                .append(escape(field))
                .append("]</span>"));
        return out.toString();
    }

    private static String parameters(JsonNode parameters) {
        String pairs = codes(parameters);
        return pairs.isEmpty() ? "none" : pairs;
    }

    /** An object's properties as {@code name=value} code spans. */
    private static String codes(JsonNode object) {
        List<String> pairs = new ArrayList<>();
        object.properties()
                .forEach(property -> pairs.add("<code>"
                        + escape(property.getKey() + "=" + ManifestView.valueText(property.getValue())) + "</code>"));
        return String.join(" ", pairs);
    }

    private static String list(JsonNode array) {
        List<String> items = new ArrayList<>();
        array.values().forEach(item -> items.add(escape(ManifestView.valueText(item))));
        return items.isEmpty() ? Html.NONE : String.join(", ", items);
    }

    private static String escapedOrNone(String text) {
        return text == null || text.isEmpty() ? Html.NONE : escape(text);
    }

    private static void fact(StringBuilder out, String name, String html) {
        out.append("<dt>").append(name).append("</dt><dd>").append(html).append("</dd>\n");
    }
}

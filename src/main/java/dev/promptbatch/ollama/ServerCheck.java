package dev.promptbatch.ollama;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a server can run a job: {@code /api/tags} lists every model, each model can think when the job asks it to,
 * and has the capabilities the job needs (to generate text, to embed, to see images), else every request would be
 * refused. A server without {@code /api/version} is accepted with a warning: servers that emulate Ollama's API do not
 * all have it, nor do they all say what a model can do.
 */
public final class ServerCheck {
    /**
     * A capability every model of a job must have, as Ollama names it in a model's {@code capabilities}, and what to
     * say when one lacks it.
     *
     * @param warnWhenUnknown whether a server that does not say what a model can do is worth a warning: not for
     *                        plain generation, which every server that emulates Ollama does
     */
    public record Need(String capability, String can, String requests, String advice, boolean warnWhenUnknown) {
        public static final Need COMPLETION = new Need(
                "completion",
                "generate text",
                "to /api/generate or /api/chat",
                "Choose a model such as llama3.2, or set endpoint: embed for an embedding model.",
                false);
        public static final Need EMBEDDING = new Need(
                "embedding",
                "embed",
                "to /api/embed",
                "Choose an embedding model such as all-minilm or nomic-embed-text.",
                true);
        public static final Need VISION = new Need(
                "vision", "see images", "with images", "Choose a vision model such as llava, or remove images.", true);
    }

    /** A version for a server that does not tell its own. */
    public static final String UNKNOWN_VERSION = "unknown";

    /**
     * The server's version (null when unreachable), what stands in the way, each with how to fix it, and what is odd
     * but no obstacle.
     *
     * @param usable the wanted models the server can run, each as it lists it
     * @param api    the API the server speaks ({@link ServerClient#api()})
     * @param denied whether the server refused the credentials: no other server makes up for that, since the spec
     *               or the environment is wrong
     */
    public record Result(
            String url,
            String version,
            List<ModelInfo> models,
            List<String> problems,
            List<String> warnings,
            Map<String, ModelInfo> usable,
            String api,
            boolean denied) {
        public boolean ok() {
            return problems.isEmpty();
        }

        public boolean reached() {
            return version != null;
        }

        /** What the server is, for a line of output: {@code Ollama 0.12.3}, or the OpenAI-compatible API. */
        public String describe() {
            return OPENAI.equals(api) ? "OpenAI-compatible API" : "Ollama " + version;
        }
    }

    private static final String OPENAI = "openai";

    private ServerCheck() {}

    /** @param needs the capabilities each model must have */
    public static Result check(ServerClient client, String url, List<String> wanted, Object think, List<Need> needs) {
        String version;
        List<ModelInfo> available;
        try {
            version = client.version();
            available = client.models();
            client.checkCredentials();
        } catch (OllamaException e) {
            boolean openAi = OPENAI.equals(client.api());
            boolean denied = e.failureClass() == FailureClass.DENIED;
            String problem = denied
                    ? "the server at " + url + " refuses the credentials (" + e.getMessage() + "): every request "
                            + "would be refused. Check "
                            + (openAi ? "the variable that api-key-env names" : "the user and password in its URL")
                            + "."
                    : e.status() == 0
                            ? openAi
                                    ? "cannot reach the server at " + url + ": " + e.getMessage() + ". Check its url."
                                    : "cannot reach Ollama at " + url + ": " + e.getMessage()
                                            + ". Start it with 'ollama serve', or set --base-url, server.base-url or "
                                            + "OLLAMA_HOST."
                            : openAi
                                    ? "the server at " + url + " does not answer GET /v1/models as an "
                                            + "OpenAI-compatible server does (" + e.getMessage() + "). Check its url "
                                            + "(without /v1) and api."
                                    : "the server at " + url + " does not answer as Ollama does (" + e.getMessage()
                                            + "). Check --base-url, server.base-url or OLLAMA_HOST.";
            return new Result(url, null, List.of(), List.of(problem), List.of(), Map.of(), client.api(), denied);
        }
        List<String> warnings = new ArrayList<>();
        if (version == null && OPENAI.equals(client.api())) {
            version = UNKNOWN_VERSION; // the OpenAI API has no version to ask for
        } else if (version == null) {
            version = UNKNOWN_VERSION;
            warnings.add("the server at " + url + " has no /api/version (it is not Ollama itself, or an old one); "
                    + "its version is recorded as unknown.");
        }
        boolean thinks = think != null && !Boolean.FALSE.equals(think);
        List<String> problems = new ArrayList<>();
        Map<String, ModelInfo> usable = new LinkedHashMap<>();
        for (String model : wanted) {
            Optional<ModelInfo> found =
                    available.stream().filter(m -> m.matches(model)).findFirst();
            if (found.isEmpty() && OPENAI.equals(client.api())) {
                problems.add("model '" + model + "' is not on the server at " + url + " (GET /v1/models lists "
                        + (available.isEmpty()
                                ? "none"
                                : String.join(
                                        ", ",
                                        available.stream().map(ModelInfo::name).toList()))
                        + "). Use a model name it lists.");
            } else if (found.isEmpty()) {
                problems.add("model '" + model + "' is not on the server at " + url + ". Pull it with 'ollama pull "
                        + model + "'.");
            } else if (thinks
                    && !found.get().capabilities().isEmpty()
                    && !found.get().capabilities().contains("thinking")) {
                problems.add("model '" + model + "' cannot think (its capabilities: "
                        + String.join(", ", found.get().capabilities()) + "), so every request with think: " + think
                        + " would be "
                        + "refused. Set think: false or remove it.");
            } else {
                // The OpenAI API does not say what a model can do: the first request shows it.
                List<String> capabilities = needs.isEmpty() || OPENAI.equals(client.api())
                        ? List.of()
                        : capabilities(client, found.get(), model);
                Optional<Need> lacking = needs.stream()
                        .filter(need -> !capabilities.isEmpty() && !capabilities.contains(need.capability()))
                        .findFirst();
                if (lacking.isPresent()) {
                    problems.add("model '" + model + "' on the server at " + url + " cannot "
                            + lacking.get().can()
                            + " (its capabilities: " + String.join(", ", capabilities) + "), so every request "
                            + lacking.get().requests() + " would be refused. "
                            + lacking.get().advice());
                    continue;
                }
                if (capabilities.isEmpty() && !OPENAI.equals(client.api())) {
                    needs.stream()
                            .filter(Need::warnWhenUnknown)
                            .forEach(need -> warnings.add("the server at " + url + " does not say what model '"
                                    + model + "' can do (no capabilities in /api/tags or /api/show): whether it can "
                                    + need.can() + " shows with the first request."));
                }
                usable.put(model, found.get());
            }
        }
        return new Result(url, version, available, problems, List.copyOf(warnings), usable, client.api(), false);
    }

    /** What a model can do: as {@code /api/tags} lists it, or else as {@code /api/show} says; empty when neither. */
    private static List<String> capabilities(ServerClient client, ModelInfo listed, String model) {
        return listed.capabilities().isEmpty() ? client.showCapabilities(model) : listed.capabilities();
    }
}

package dev.promptbatch.ollama;

import java.util.ArrayList;
import java.util.List;

/** Whether a server can run a job: it answers {@code /api/version}, and {@code /api/tags} lists every model. */
public final class ServerCheck {
    /** The server's version (null when unreachable) and what stands in the way, each with how to fix it. */
    public record Result(String version, List<ModelInfo> models, List<String> problems) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private ServerCheck() {
    }

    public static Result check(OllamaClient client, String url, List<String> wanted) {
        String version;
        try {
            version = client.version();
        } catch (OllamaException e) {
            return new Result(null, List.of(), List.of("cannot reach Ollama at " + url + ": " + e.getMessage()
                    + ". Start it with 'ollama serve', or set --base-url, server.base-url or OLLAMA_HOST."));
        }
        List<ModelInfo> available = client.models();
        List<String> problems = new ArrayList<>();
        for (String model : wanted) {
            if (available.stream().noneMatch(m -> m.matches(model))) {
                problems.add("model '" + model + "' is not on the server at " + url + ". Pull it with 'ollama pull "
                        + model + "'.");
            }
        }
        return new Result(version, available, problems);
    }
}

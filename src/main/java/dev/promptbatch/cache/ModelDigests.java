package dev.promptbatch.cache;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import dev.promptbatch.ollama.ModelInfo;
import dev.promptbatch.ollama.ServerCheck;
import dev.promptbatch.servers.Preflight;

/** Each model's digest as the checks before a run found it, where it is one the cache can rely on. */
public final class ModelDigests {
    private ModelDigests() {}

    /**
     * Each wanted model's digest where every server that runs it tells the same one; a model that a server lists
     * without a digest (an OpenAI-compatible server) or with another digest is left out: its answers are not cached.
     */
    public static Map<String, String> agreed(Preflight.Result checks) {
        Map<String, String> agreed = new LinkedHashMap<>();
        for (String model : checks.serversByModel().keySet()) {
            Set<String> digests = new HashSet<>();
            for (ServerCheck.Result server : checks.servers()) {
                ModelInfo info = server.usable().get(model);
                if (info != null) {
                    digests.add(info.digest() == null ? "" : info.digest());
                }
            }
            if (digests.size() == 1 && !digests.contains("")) {
                agreed.put(model, digests.iterator().next());
            }
        }
        return agreed;
    }
}

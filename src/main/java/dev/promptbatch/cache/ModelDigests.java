package dev.promptbatch.cache;

import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
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
        return agreed(checks.serversByModel().keySet(), checks.servers());
    }

    /** The same over these servers' checks (those that answered before the run, and those that joined it since). */
    public static Map<String, String> agreed(Collection<String> models, List<ServerCheck.Result> checks) {
        Map<String, String> agreed = new LinkedHashMap<>();
        for (String model : models) {
            Set<String> digests = new HashSet<>();
            for (ServerCheck.Result server : checks) {
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

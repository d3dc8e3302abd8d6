package dev.promptbatch.servers;

import java.util.List;

import dev.promptbatch.ollama.ModelInfo;

/**
 * What a run learnt of one server, for the manifest: where it is, what it runs, and how many requests it had in
 * flight.
 *
 * @param url the URL without credentials
 * @param version the server's version, or {@code unknown}; null when it was not reached, or not asked
 * @param models the models it lists, with their digests (none when it was not reached)
 * @param concurrency the configured bound on requests in flight, or with {@code auto} the level the run settled on
 * @param auto whether the run chose {@code concurrency} itself ({@code concurrency: auto})
 * @param reached whether it answered the checks before the run; null when it was not asked (files written again
 *     after a completed run)
 * @param api the API it speaks: {@code ollama} or {@code openai}
 * @param durations whose time the answers' durations are ({@link dev.promptbatch.ollama.ServerClient#durations()}):
 *     {@code server}, {@code none} (tokens/s from the latency measured here) or {@code mixed}; null when not known
 */
public record ServerFacts(
        String url,
        String version,
        List<ModelInfo> models,
        int concurrency,
        boolean auto,
        Boolean reached,
        String api,
        String durations) {
    /** An Ollama server, which reports every duration itself once it answers. */
    public ServerFacts(
            String url, String version, List<ModelInfo> models, int concurrency, boolean auto, Boolean reached) {
        this(
                url,
                version,
                models,
                concurrency,
                auto,
                reached,
                "ollama",
                Boolean.TRUE.equals(reached) ? "server" : null);
    }
}

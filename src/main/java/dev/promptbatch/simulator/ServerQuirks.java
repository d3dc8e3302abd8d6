package dev.promptbatch.simulator;

/**
 * Ways in which real servers that speak Ollama's API differ from Ollama, so that a client can be tested against
 * them: KoboldCpp, servers built on Python's or Node's HTTP stacks, and proxies with short keep-alive timeouts.
 * Every quirk is off in {@link #none()}; {@link #koboldCpp()} turns on all of them, as measured on KoboldCpp 1.104.
 *
 * @param closesConnections  close every connection after its response, without a {@code Connection: close} header,
 *                           so that a client which pools the connection fails on its next request there
 * @param maxQueue           requests that may wait for a busy model's slots; one more is answered 503
 *                           "server busy" at once ({@link Integer#MAX_VALUE}: they wait without limit, as with a
 *                           warm Ollama model)
 * @param durationsOfOneNs   report every duration as 1 (nanosecond) instead of the time taken
 * @param tagsName           when not null, {@code /api/tags} lists every model with this {@code name} and the real
 *                           model name only in {@code model}
 * @param noShow             {@code POST /api/show} answers 404 with an empty body
 * @param noVersion          {@code GET /api/version} answers 404 with an empty body
 * @param noTagsCapabilities {@code /api/tags} lists no {@code capabilities}, as some servers that emulate Ollama do,
 *                           so that a client must ask {@code /api/show}
 * @param unavailableWhileLoading as llama-server: the first model starts loading when the server starts, and while
 *                           any model loads every {@code /v1} route but {@code /v1/models} answers 503
 *                           {@code {"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}}
 * @param openAiTimings      as llama-server: {@code /v1/completions} and {@code /v1/chat/completions} answers carry
 *                           a {@code timings} object with the prompt's and the generation's times
 */
public record ServerQuirks(
        boolean closesConnections,
        int maxQueue,
        boolean durationsOfOneNs,
        String tagsName,
        boolean noShow,
        boolean noVersion,
        boolean noTagsCapabilities,
        boolean unavailableWhileLoading,
        boolean openAiTimings) {

    /** KoboldCpp's queue: about six requests wait for its one generation, the next is refused. */
    private static final int KOBOLDCPP_QUEUE = 6;

    public ServerQuirks {
        if (maxQueue < 0) {
            throw new IllegalArgumentException("maxQueue must be >= 0, got " + maxQueue);
        }
        if (tagsName != null && tagsName.isBlank()) {
            throw new IllegalArgumentException("tagsName must not be blank");
        }
    }

    /** Behaves as Ollama does. */
    public static ServerQuirks none() {
        return new ServerQuirks(false, Integer.MAX_VALUE, false, null, false, false, false, false, false);
    }

    /** Behaves as KoboldCpp 1.104 does (run it with one slot to match it fully). */
    public static ServerQuirks koboldCpp() {
        return new ServerQuirks(true, KOBOLDCPP_QUEUE, true, "koboldcpp", true, false, false, false, false);
    }

    public ServerQuirks withClosesConnections(boolean closesConnections) {
        return new ServerQuirks(
                closesConnections,
                maxQueue,
                durationsOfOneNs,
                tagsName,
                noShow,
                noVersion,
                noTagsCapabilities,
                unavailableWhileLoading,
                openAiTimings);
    }

    public ServerQuirks withMaxQueue(int maxQueue) {
        return new ServerQuirks(
                closesConnections,
                maxQueue,
                durationsOfOneNs,
                tagsName,
                noShow,
                noVersion,
                noTagsCapabilities,
                unavailableWhileLoading,
                openAiTimings);
    }

    public ServerQuirks withDurationsOfOneNs(boolean durationsOfOneNs) {
        return new ServerQuirks(
                closesConnections,
                maxQueue,
                durationsOfOneNs,
                tagsName,
                noShow,
                noVersion,
                noTagsCapabilities,
                unavailableWhileLoading,
                openAiTimings);
    }

    public ServerQuirks withTagsName(String tagsName) {
        return new ServerQuirks(
                closesConnections,
                maxQueue,
                durationsOfOneNs,
                tagsName,
                noShow,
                noVersion,
                noTagsCapabilities,
                unavailableWhileLoading,
                openAiTimings);
    }

    public ServerQuirks withNoShow(boolean noShow) {
        return new ServerQuirks(
                closesConnections,
                maxQueue,
                durationsOfOneNs,
                tagsName,
                noShow,
                noVersion,
                noTagsCapabilities,
                unavailableWhileLoading,
                openAiTimings);
    }

    public ServerQuirks withNoVersion(boolean noVersion) {
        return new ServerQuirks(
                closesConnections,
                maxQueue,
                durationsOfOneNs,
                tagsName,
                noShow,
                noVersion,
                noTagsCapabilities,
                unavailableWhileLoading,
                openAiTimings);
    }

    public ServerQuirks withNoTagsCapabilities(boolean noTagsCapabilities) {
        return new ServerQuirks(
                closesConnections,
                maxQueue,
                durationsOfOneNs,
                tagsName,
                noShow,
                noVersion,
                noTagsCapabilities,
                unavailableWhileLoading,
                openAiTimings);
    }

    public ServerQuirks withUnavailableWhileLoading(boolean unavailableWhileLoading) {
        return new ServerQuirks(
                closesConnections,
                maxQueue,
                durationsOfOneNs,
                tagsName,
                noShow,
                noVersion,
                noTagsCapabilities,
                unavailableWhileLoading,
                openAiTimings);
    }

    public ServerQuirks withOpenAiTimings(boolean openAiTimings) {
        return new ServerQuirks(
                closesConnections,
                maxQueue,
                durationsOfOneNs,
                tagsName,
                noShow,
                noVersion,
                noTagsCapabilities,
                unavailableWhileLoading,
                openAiTimings);
    }
}

package dev.promptbatch.simulator;

/**
 * A failure the simulator can inject into an {@code /api/generate}, {@code /api/chat} or {@code /api/embed} request,
 * each one a real Ollama failure mode.
 */
public enum Fault {
    /** 503 {@code server busy, please try again.  maximum pending requests exceeded}: Ollama's full load queue. */
    SERVICE_UNAVAILABLE,
    /** 502 with nginx's HTML page: a reverse proxy in front of a server that is down. */
    BAD_GATEWAY,
    /**
     * 400 {@code the prompt is longer than the context length ...}: a prompt too long for a model without shift; on
     * {@code /api/embed}, {@code the input length exceeds the context length}.
     */
    PROMPT_TOO_LONG,
    /** 500 {@code model runner has unexpectedly stopped, ...}: the runner process died during the request. */
    INTERNAL_ERROR,
    /** The TCP connection is closed before any byte of a response is sent. */
    DROP_CONNECTION,
    /** 200 with a body that is not JSON, as from a misbehaving reverse proxy. */
    MALFORMED_BODY,
    /** 200 whose Content-Length announces the whole answer but the connection closes after half of it. */
    TRUNCATED_BODY,
    /**
     * 200 with {@code "done":false}, a partial response and no metrics: a stream that ended without a stop event. On
     * {@code /api/embed}, which has no {@code done}: a 200 with no vectors for the inputs.
     */
    NOT_DONE,
    /**
     * 401 {@code unauthorized}: the credentials stopped being accepted in the middle of a run (a key revoked, a
     * proxy's token expired); on the {@code /v1} routes in OpenAI's error shape.
     */
    UNAUTHORIZED,
    /** The answer is delayed by {@link SimulatorFaults#slowMillis(long)} and then given normally. */
    SLOW
}

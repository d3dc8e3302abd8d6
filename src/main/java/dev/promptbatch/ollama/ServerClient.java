package dev.promptbatch.ollama;

import java.time.Duration;
import java.util.List;

import dev.promptbatch.outcome.EmbedResponse;
import dev.promptbatch.outcome.GenerateResponse;

/**
 * What a run asks of one server, whatever API it speaks: Ollama's native one ({@link OllamaClient}) or the
 * OpenAI-compatible one ({@code dev.promptbatch.openai.OpenAiClient}). One call is one request; a failure is an
 * {@link OllamaException} whose {@link OllamaException#failureClass()} says what it means.
 */
public interface ServerClient {
    /** The API it speaks, as the spec's {@code api} names it: {@code ollama} or {@code openai}. */
    String api();

    /** Sends one generate or chat request and returns the complete answer. */
    GenerateResponse answer(ModelRequest request);

    /** Sends one embed request and returns one vector per input, in input order. */
    EmbedResponse embed(EmbedRequest request);

    /** Whether the run loads a model with {@link #load} before its first request; false where the server loads alone. */
    boolean loadsAhead();

    /**
     * Loads a model before its first request, so that the first records do not pay the load under their timeout;
     * returns the load duration the server reports, or null. A server that loads on its own does nothing here.
     */
    Long load(String model, Object keepAlive, Duration loadTimeout);

    /** {@link #load} for an embedding model. */
    Long loadForEmbedding(String model, Object keepAlive, Duration loadTimeout);

    /** The server's version; null when it does not tell (a server without a version endpoint). */
    String version();

    /** Asks the server whether it answers at all, as cheaply as it allows; throws when it does not. */
    void probe();

    /**
     * Asks whether the server takes the credentials, without generating anything; throws an {@link OllamaException}
     * of class {@link FailureClass#DENIED} when it does not. For a server whose model list is open to anyone.
     */
    void checkCredentials();

    /** The models the server has. */
    List<ModelInfo> models();

    /** A model's capabilities where the model list leaves them out; empty when the server does not say. */
    List<String> showCapabilities(String model);

    /** Connections the server closed under a request before answering it, each followed by a resend. */
    long closedConnections();

    /**
     * Whose time the answers' durations are: {@code server} when the server reported them, {@code none} when it did
     * not (tokens/s then come from the latency measured here), {@code mixed} when some answers had them.
     */
    String durations();
}

package dev.promptbatch.simulator;

/** The simulated endpoints that generate text. */
public enum Endpoint {
    /** {@code POST /api/generate}: a prompt, answered in {@code response}. */
    GENERATE("/api/generate", "GenerateRequest", "generate"),
    /** {@code POST /api/chat}: messages, answered in {@code message}. */
    CHAT("/api/chat", "ChatRequest", "chat");

    private final String path;
    private final String goStruct;
    private final String capabilityVerb;

    Endpoint(String path, String goStruct, String capabilityVerb) {
        this.path = path;
        this.goStruct = goStruct;
        this.capabilityVerb = capabilityVerb;
    }

    public String path() {
        return path;
    }

    /** The request's Go type in Ollama, named in decoding errors. */
    String goStruct() {
        return goStruct;
    }

    /** As in Ollama's {@code "m" does not support chat} for an embedding model. */
    String capabilityVerb() {
        return capabilityVerb;
    }
}

package dev.promptbatch.spec;

/** The API a server speaks, as a server's {@code api} key names it. */
public enum ServerApi {
    /** Ollama's native API: {@code /api/generate}, {@code /api/chat}, {@code /api/embed}. */
    OLLAMA("ollama"),
    /** The OpenAI-compatible API: vLLM, llama.cpp's llama-server, LM Studio, Ollama's {@code /v1}. */
    OPENAI("openai");

    private final String key;

    ServerApi(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }
}

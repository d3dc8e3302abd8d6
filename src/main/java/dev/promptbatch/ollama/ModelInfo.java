package dev.promptbatch.ollama;

/** A model as {@code GET /api/tags} lists it. */
public record ModelInfo(String name, String digest) {
    /** Whether a model name as a user writes it ("llama3.2", tag defaulting to latest) names this model. */
    public boolean matches(String requested) {
        String wanted = requested.contains(":") ? requested : requested + ":latest";
        String have = name.contains(":") ? name : name + ":latest";
        return have.equals(wanted);
    }
}

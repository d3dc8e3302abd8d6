package dev.promptbatch.servers;

/**
 * A request that kept failing in a way that may pass later (server down, overloaded, timing out). The run stops
 * without marking the record failed, so that running the same command again picks it up.
 */
public class GenerationFailedException extends RuntimeException {
    public GenerationFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}

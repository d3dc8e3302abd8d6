package dev.promptbatch.openai;

import java.util.Map;

/**
 * A bearer token read from the environment variable a server's {@code api-key-env} names. Only the variable's name is
 * ever shown: {@link #toString()} keeps the token out of any log or message that prints this object.
 */
public final class ApiKey {
    private final String variable;
    private final String token;

    private ApiKey(String variable, String token) {
        this.variable = variable;
        this.token = token;
    }

    /**
     * The token in {@code variable}, or null when the variable is unset or blank (the caller says where it was
     * named).
     */
    public static ApiKey fromEnvironment(String variable, Map<String, String> environment) {
        String token = environment.get(variable);
        return token == null || token.isBlank() ? null : new ApiKey(variable, token.strip());
    }

    /** The environment variable the token came from. */
    public String variable() {
        return variable;
    }

    /** The {@code Authorization} header's value. */
    String bearer() {
        return "Bearer " + token;
    }

    /** The token itself: only for a built-in simulator that must ask for the same key. */
    public String secret() {
        return token;
    }

    @Override
    public String toString() {
        return "$" + variable;
    }
}

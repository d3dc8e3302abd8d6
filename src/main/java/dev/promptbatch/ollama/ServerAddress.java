package dev.promptbatch.ollama;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;

import dev.promptbatch.spec.ServerUrl;
import dev.promptbatch.spec.SpecException;

/**
 * Where the Ollama server is, first that is set: {@code --base-url}, the spec's {@code server.base-url},
 * {@code OLLAMA_BASE_URL}, {@code OLLAMA_HOST} (Ollama's own form: host, host:port or a URL), the default.
 * Credentials in the URL are kept for the Authorization header and never shown: {@link #display()} omits them.
 */
public record ServerAddress(URI baseUrl, String userInfo) {
    public static final String DEFAULT = ServerUrl.EXAMPLE;

    public static ServerAddress resolve(String option, String spec, Map<String, String> environment) {
        if (present(option)) return parse(option, "--base-url");
        if (present(spec)) return parse(spec, "server.base-url");
        if (present(environment.get("OLLAMA_BASE_URL"))) {
            return parse(environment.get("OLLAMA_BASE_URL"), "OLLAMA_BASE_URL");
        }
        if (present(environment.get("OLLAMA_HOST"))) return fromOllamaHost(environment.get("OLLAMA_HOST"));
        return parse(DEFAULT, "default");
    }

    /** The same for two ways of writing one server: see {@link ServerUrl#identity()}. */
    public String identity() {
        return new ServerUrl(baseUrl, userInfo).identity();
    }

    /** The URL without credentials, for logs and the manifest. */
    public String display() {
        return baseUrl.toString();
    }

    private static ServerAddress fromOllamaHost(String host) {
        String value = host.trim();
        if (value.startsWith(":")) {
            // Ollama reads ":PORT" as its default host on that port.
            value = "127.0.0.1" + value;
        }
        if (!value.contains("://")) {
            value = "http://" + value;
        }
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            // Not a URL at all: parse says so in the words every source shares.
            return parse(value, "OLLAMA_HOST");
        }
        if (uri.getPort() == -1 && uri.getScheme().equals("http")) {
            value = uri.getScheme() + "://" + (uri.getRawUserInfo() != null ? uri.getRawUserInfo() + "@" : "")
                    + uri.getHost() + ":11434" + (uri.getRawPath() == null ? "" : uri.getRawPath());
        }
        return parse(value, "OLLAMA_HOST");
    }

    /** The address of a URL the spec has already checked. */
    public static ServerAddress of(ServerUrl url) {
        return new ServerAddress(url.baseUrl(), url.userInfo());
    }

    private static ServerAddress parse(String text, String source) {
        try {
            return of(ServerUrl.parse(text));
        } catch (ServerUrl.InvalidException e) {
            throw new SpecException(source + ": " + e.getMessage());
        }
    }

    private static boolean present(String value) {
        return value != null && !value.isBlank();
    }
}

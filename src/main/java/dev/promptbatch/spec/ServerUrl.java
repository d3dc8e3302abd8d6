package dev.promptbatch.spec;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

/**
 * A server's URL as written: http or https with a host, trailing slashes dropped, credentials kept apart so that
 * {@link #baseUrl()} can be shown. Lives with the spec, which checks every URL it lists, and is what the client's
 * address is built from.
 *
 * @param userInfo the credentials written in the URL, or null
 */
@NullMarked
public record ServerUrl(URI baseUrl, @Nullable String userInfo) {
    public static final String EXAMPLE = "http://127.0.0.1:11434";

    /** Thrown with what was expected and what was written (credentials hidden), for the caller to say where. */
    public static final class InvalidException extends IllegalArgumentException {
        InvalidException(String message) {
            super(message);
        }
    }

    public static ServerUrl parse(String text) {
        URI uri = toUri(text.trim());
        if (uri.getScheme() == null
                || !(uri.getScheme().equalsIgnoreCase("http") || uri.getScheme().equalsIgnoreCase("https"))
                || uri.getHost() == null) {
            throw new InvalidException(
                    "expected an http:// or https:// URL such as " + EXAMPLE + ", got '" + redact(text) + "'");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
        URI clean = toUri(uri.getScheme().toLowerCase(Locale.ROOT) + "://" + uri.getHost()
                + (uri.getPort() == -1 ? "" : ":" + uri.getPort()) + path);
        return new ServerUrl(clean, uri.getRawUserInfo());
    }

    /**
     * The same for two ways of writing one server: scheme and host in any case, the scheme's default port written
     * or not. Credentials do not make another server.
     */
    public String identity() {
        String scheme = baseUrl.getScheme().toLowerCase(Locale.ROOT);
        int port = baseUrl.getPort();
        boolean defaultPort =
                port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
        return scheme + "://" + baseUrl.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port)
                + (baseUrl.getRawPath() == null ? "" : baseUrl.getRawPath());
    }

    /** The URL without credentials, for messages, logs and the manifest. */
    public String display() {
        return baseUrl.toString();
    }

    private static URI toUri(String text) {
        try {
            return new URI(text);
        } catch (URISyntaxException e) {
            throw new InvalidException("not a URL: '" + redact(text) + "'");
        }
    }

    private static String redact(String text) {
        return text.replaceAll("//[^/@]*@", "//***@");
    }
}

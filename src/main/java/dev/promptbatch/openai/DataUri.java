package dev.promptbatch.openai;

/**
 * An image as OpenAI's {@code image_url} takes it: a {@code data:} URI, its media type read from the image's first
 * bytes (as base64 they start with a fixed text), for the types the servers decode.
 */
final class DataUri {
    private DataUri() {}

    /** @param base64 the image as padded standard base64 */
    static String of(String base64) {
        String type;
        if (base64.startsWith("iVBORw0KGgo")) {
            type = "image/png";
        } else if (base64.startsWith("/9j/")) {
            type = "image/jpeg";
        } else if (base64.startsWith("UklGR")) {
            type = "image/webp";
        } else if (base64.startsWith("R0lGOD")) {
            type = "image/gif";
        } else {
            type = ""; // Ollama's /v1 takes "data:;base64," and finds the type itself
        }
        return "data:" + type + ";base64," + base64;
    }
}

package dev.promptbatch.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a simulated model can do, guessed from its name as a person would: {@code all-minilm}, {@code bge-m3} and
 * {@code nomic-embed-text} embed; {@code llava}, {@code qwen2.5vl} and {@code gemma3} see images; {@code qwen3} and
 * {@code deepseek-r1} think.
 *
 * @param embedding       an embedding model: it serves {@code /api/embed} only
 * @param vision          it takes images
 * @param thinking        it thinks before answering unless told not to
 * @param contextLength   the trained context, in tokens
 * @param embeddingLength the length of its vectors; 0 for a model that does not embed
 */
record ModelTraits(boolean embedding, boolean vision, boolean thinking, long contextLength, int embeddingLength) {

    private static final long CHAT_CONTEXT_LENGTH = 131_072;

    static ModelTraits of(String canonicalName) {
        String name = canonicalName.toLowerCase(Locale.ROOT);
        String base = name.substring(name.lastIndexOf('/') + 1);
        boolean embedding = base.contains("embed") || base.contains("minilm") || base.startsWith("bge");
        if (embedding) {
            if (base.contains("minilm")) {
                return new ModelTraits(true, false, false, 512, 384);
            }
            if (base.startsWith("nomic-embed")) {
                return new ModelTraits(true, false, false, 8192, 768);
            }
            if (base.startsWith("bge-m3")) {
                return new ModelTraits(true, false, false, 8192, 1024);
            }
            return new ModelTraits(true, false, false, 512, 1024);
        }
        boolean vision = base.startsWith("llava")
                || base.contains("vision")
                || base.matches(".*vl([^a-z].*)?")
                || base.startsWith("gemma3");
        boolean thinking = base.contains("think") || base.startsWith("qwen3") || base.startsWith("deepseek-r1");
        return new ModelTraits(false, vision, thinking, CHAT_CONTEXT_LENGTH, 0);
    }

    /** What {@code /api/show} and {@code /api/tags} report, in Ollama's order. */
    List<String> capabilities() {
        if (embedding) {
            return List.of("embedding");
        }
        List<String> capabilities = new ArrayList<>(List.of("completion"));
        if (vision) {
            capabilities.add("vision");
        }
        if (thinking) {
            capabilities.add("thinking");
        }
        return List.copyOf(capabilities);
    }
}

package dev.promptbatch.simulator;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes the simulated model's answers: ordinary English words, with a lognormal length. The answer is a pure
 * function of (model, system, prompt, options) when the options make it reproducible (a seed, or temperature 0),
 * and random otherwise.
 */
final class AnswerGenerator {

    private static final String[] VOCABULARY = {
        "the", "a", "an", "this", "that", "these", "every", "some", "many", "few",
        "time", "year", "people", "way", "day", "thing", "world", "life", "hand", "part",
        "place", "case", "week", "company", "system", "program", "question", "work", "number", "point",
        "home", "water", "room", "fact", "month", "book", "eye", "job", "word", "business",
        "issue", "side", "kind", "head", "house", "service", "friend", "power", "hour", "game",
        "line", "end", "member", "law", "car", "city", "name", "team", "minute", "idea",
        "body", "information", "back", "face", "level", "office", "door", "health", "art", "history",
        "party", "result", "change", "morning", "reason", "research", "moment", "air", "product", "design",
        "is", "are", "was", "makes", "takes", "gives", "finds", "tells", "shows", "brings",
        "keeps", "holds", "helps", "builds", "offers", "needs", "grows", "moves", "opens", "starts",
        "good", "new", "first", "last", "long", "great", "little", "own", "other", "old",
        "right", "big", "high", "small", "large", "next", "early", "young", "important", "public",
        "clear", "simple", "quiet", "bright", "careful", "useful", "strong", "light", "warm", "fresh",
        "and", "or", "but", "so", "because", "while", "with", "for", "from", "about",
        "into", "over", "after", "before", "under", "around", "through", "between", "often", "always",
        "really", "also", "still", "even", "together", "quickly", "slowly", "well", "here", "today"
    };

    private final int medianTokens;
    private final double lengthSigma;

    AnswerGenerator(int medianTokens, double lengthSigma) {
        this.medianTokens = medianTokens;
        this.lengthSigma = lengthSigma;
    }

    /**
     * @param model  the canonical model name, so that {@code llama3.2} and {@code llama3.2:latest} answer alike
     * @param thinks whether the answer includes thinking text
     * @param format null, {@code "json"} or a JSON Schema object: the response is then valid JSON text
     */
    SyntheticAnswer answer(
            String model, String system, String prompt, GenerationOptions options, boolean thinks, JsonNode format) {
        SplitMix64 random = new SplitMix64(
                options.deterministic()
                        ? seed(model, system, prompt, options)
                        : ThreadLocalRandom.current().nextLong());
        int responseWanted = length(random);
        int thinkingWanted = thinks ? length(random) : 0;
        int thinkingTokens = thinkingWanted;
        int responseTokens = responseWanted;
        long limit = options.tokenLimit();
        if (limit > 0 && thinkingWanted + responseWanted > limit) {
            // Like a real model, thinking comes first and may use up the whole budget.
            thinkingTokens = (int) Math.min(thinkingWanted, limit);
            responseTokens = (int) (limit - thinkingTokens);
        }
        List<String> thinkingWords = words(random, thinkingTokens);
        List<String> responseWords = words(random, responseTokens);

        List<String> thinking = sentencePieces(thinkingWords, thinkingTokens == thinkingWanted);
        List<String> response = format == null
                ? sentencePieces(responseWords, responseTokens == responseWanted)
                : split(json(format, responseWords, random), responseTokens);
        String doneReason = thinkingTokens + responseTokens < thinkingWanted + responseWanted ? "length" : "stop";
        return new SyntheticAnswer(
                thinking,
                response,
                thinkingTokens + responseTokens,
                doneReason,
                Math.max(1, wordCount(prompt) + wordCount(system)));
    }

    /** Lognormal around {@code medianTokens}, at least one token. */
    private int length(SplitMix64 random) {
        if (lengthSigma == 0) {
            return medianTokens;
        }
        return (int) Math.max(1, Math.round(medianTokens * Math.exp(lengthSigma * random.nextGaussian())));
    }

    private static List<String> words(SplitMix64 random, int count) {
        List<String> words = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            words.add(VOCABULARY[random.nextInt(VOCABULARY.length)]);
        }
        return words;
    }

    /** One piece per word: a capitalised first word, a space before the others, a period if the answer ended. */
    private static List<String> sentencePieces(List<String> words, boolean finished) {
        List<String> pieces = new ArrayList<>(words.size());
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i);
            pieces.add(i == 0 ? Character.toUpperCase(word.charAt(0)) + word.substring(1) : " " + word);
        }
        if (finished && !pieces.isEmpty()) {
            pieces.set(pieces.size() - 1, pieces.get(pieces.size() - 1) + ".");
        }
        return pieces;
    }

    private static String sentence(List<String> words) {
        return String.join("", sentencePieces(words, !words.isEmpty()));
    }

    /**
     * A JSON object for a {@code format} request. A schema's top-level properties get values of their type (enum
     * values when listed); strings share the generated words. Without properties: {@code {"answer":"..."}}.
     */
    private static String json(JsonNode format, List<String> words, SplitMix64 random) {
        ObjectNode answer = Exchanges.object();
        JsonNode properties = format.path("properties");
        if (!properties.isObject() || properties.isEmpty()) {
            answer.put("answer", sentence(words));
            return Exchanges.MAPPER.writeValueAsString(answer);
        }
        long stringCount = properties.values().stream()
                .filter(p -> type(p).equals("string"))
                .count();
        int stringIndex = 0;
        for (Map.Entry<String, JsonNode> property : properties.properties()) {
            String name = property.getKey();
            JsonNode schema = property.getValue();
            JsonNode choices = schema.path("enum");
            if (choices.isArray() && !choices.isEmpty()) {
                answer.set(name, choices.get(random.nextInt(choices.size())));
                continue;
            }
            switch (type(schema)) {
                case "integer" -> answer.put(name, random.nextInt(100));
                case "number" -> answer.put(name, random.nextInt(10_000) / 100.0);
                case "boolean" -> answer.put(name, random.nextInt(2) == 1);
                case "array" -> answer.putArray(name);
                case "object" -> answer.putObject(name);
                case "null" -> answer.putNull(name);
                default -> {
                    int from = (int) (stringIndex * words.size() / stringCount);
                    int to = (int) ((stringIndex + 1) * words.size() / stringCount);
                    stringIndex++;
                    answer.put(name, sentence(words.subList(from, to)));
                }
            }
        }
        return Exchanges.MAPPER.writeValueAsString(answer);
    }

    /** A property schema's type; the first non-null one of a type list; string when unspecified. */
    private static String type(JsonNode schema) {
        JsonNode type = schema.path("type");
        if (type.isString()) {
            return type.stringValue();
        }
        for (JsonNode alternative : type) {
            if (alternative.isString() && !alternative.stringValue().equals("null")) {
                return alternative.stringValue();
            }
        }
        return "string";
    }

    /** Splits text into about {@code count} pieces of similar length, never inside a code point. */
    private static List<String> split(String text, int count) {
        int codePoints = text.codePointCount(0, text.length());
        int pieces = Math.max(1, Math.min(count, codePoints));
        List<String> result = new ArrayList<>(pieces);
        int start = 0;
        for (int i = 1; i <= pieces; i++) {
            int end = text.offsetByCodePoints(0, (int) ((long) i * codePoints / pieces));
            result.add(text.substring(start, end));
            start = end;
        }
        return result;
    }

    private static int wordCount(String text) {
        String trimmed = text.strip();
        return trimmed.isEmpty() ? 0 : trimmed.split("\\s+").length;
    }

    /** SHA-256 of the length-prefixed inputs, so that no two different inputs share an encoding. */
    private static long seed(String model, String system, String prompt, GenerationOptions options) {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        List<String> parts = new ArrayList<>(List.of(model, system, prompt));
        options.canonical().forEach((key, value) -> {
            parts.add(key);
            parts.add(value);
        });
        for (String part : parts) {
            byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
            sha256.update(
                    ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
            sha256.update(bytes);
        }
        return ByteBuffer.wrap(sha256.digest()).getLong();
    }

    /**
     * SplitMix64: tiny, fast and fully specified here, so a seed gives the same answer on every JDK (the JDK's
     * generators do not promise that across versions).
     */
    private static final class SplitMix64 {
        private long state;

        SplitMix64(long seed) {
            state = seed;
        }

        long nextLong() {
            long z = state += 0x9E3779B97F4A7C15L;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }

        /** Uniform in [0, 1). */
        double nextDouble() {
            return (nextLong() >>> 11) * 0x1.0p-53;
        }

        /** Uniform in [0, bound); the modulo bias is negligible for the small bounds used here. */
        int nextInt(int bound) {
            return (int) ((nextLong() >>> 1) % bound);
        }

        /** Standard normal, by the Box-Muller transform. */
        double nextGaussian() {
            double u1 = 1 - nextDouble(); // in (0, 1], so the logarithm is finite
            double u2 = nextDouble();
            return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
        }
    }
}

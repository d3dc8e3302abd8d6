package dev.promptbatch.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import tools.jackson.databind.JsonNode;

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
     * @param model   the canonical model name, so that {@code llama3.2} and {@code llama3.2:latest} answer alike
     * @param prompt  what the answer depends on: the prompt, or a chat's whole conversation
     * @param thinks  whether the answer includes thinking text
     * @param format  null, {@code "json"} or a JSON Schema object: the response is then JSON text
     * @param quality for a {@code format} request, whether the JSON is good or how it is bad
     * @param promptTokens what {@code prompt_eval_count} reports
     */
    SyntheticAnswer answer(
            String model,
            String system,
            String prompt,
            GenerationOptions options,
            boolean thinks,
            JsonNode format,
            AnswerQuality quality,
            int promptTokens) {
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
        boolean cutShort = format != null && quality == AnswerQuality.CUT_SHORT;
        if (cutShort) {
            responseTokens = Math.max(1, responseTokens / 2);
        }
        List<String> thinkingWords = words(random, thinkingTokens);
        List<String> responseWords = words(random, responseTokens);

        List<String> thinking = sentencePieces(thinkingWords, thinkingTokens == thinkingWanted);
        boolean cut = cutShort || thinkingTokens + responseTokens < thinkingWanted + responseWanted;
        List<String> response;
        if (format == null) {
            response = sentencePieces(responseWords, responseTokens == responseWanted);
        } else {
            String json = json(format, responseWords, random, quality);
            if (cut) {
                // Generation stopped mid-answer: the JSON text ends where the tokens ran out.
                int keep =
                        cutShort ? json.length() / 2 : (int) ((long) json.length() * responseTokens / responseWanted);
                json = json.substring(0, Math.max(0, Math.min(keep, json.length() - 1)));
            }
            response = json.isEmpty() ? List.of() : split(json, responseTokens);
        }
        return new SyntheticAnswer(
                thinking, response, thinkingTokens + responseTokens, cut ? "length" : "stop", promptTokens);
    }

    /** One word of the vocabulary. */
    static String word(SplitMix64 random) {
        return VOCABULARY[random.nextInt(VOCABULARY.length)];
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
            words.add(word(random));
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
     * The JSON text of a {@code format} request: for {@code "json"}, {@code {"answer":"..."}} with the generated
     * words; for a schema, {@link SchemaValues}. A {@link AnswerQuality#BROKEN_JSON} answer gets a stray comma
     * before its final brace; a {@link AnswerQuality#SCHEMA_MISMATCH} one breaks the schema, or the JSON when the
     * schema accepts anything.
     */
    private static String json(JsonNode format, List<String> words, SplitMix64 random, AnswerQuality quality) {
        JsonNode value;
        if (format.isObject()) {
            SchemaValues values = new SchemaValues(random);
            JsonNode mismatch = quality == AnswerQuality.SCHEMA_MISMATCH ? values.mismatchFor(format) : null;
            value = mismatch != null ? mismatch : values.valueFor(format);
            if (quality == AnswerQuality.SCHEMA_MISMATCH && mismatch == null) {
                quality = AnswerQuality.BROKEN_JSON;
            }
        } else {
            value = Exchanges.object().put("answer", sentence(words));
        }
        String text = Exchanges.MAPPER.writeValueAsString(value);
        if (quality != AnswerQuality.BROKEN_JSON) {
            return text;
        }
        int close = Math.max(text.lastIndexOf('}'), text.lastIndexOf(']'));
        return close < 0 ? text + "," : text.substring(0, close) + "," + text.substring(close);
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

    private static long seed(String model, String system, String prompt, GenerationOptions options) {
        List<String> parts = new ArrayList<>(List.of(model, system, prompt));
        options.canonical().forEach((key, value) -> {
            parts.add(key);
            parts.add(value);
        });
        return SplitMix64.hash(parts);
    }
}

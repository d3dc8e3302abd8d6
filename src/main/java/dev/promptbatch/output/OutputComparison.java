package dev.promptbatch.output;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.StringJoiner;

import tools.jackson.databind.JsonNode;

/**
 * Two runs' answers side by side, matched by (id, model, seed, variant, repeat): which are identical, which differ
 * (in response or thinking text, or embeddings by cosine similarity), and which only one run has. Answers that share
 * those (an input whose id-field repeats) are matched in their order of appearance: the first in A with the first in
 * B, and so on.
 */
public final class OutputComparison {
    /** Two embeddings at least this similar are the same answer: float rounding on another machine stays above it. */
    public static final double DEFAULT_MIN_COSINE = 0.999999;

    private static final int EXAMPLES = 10;

    /**
     * What is compared of an answer, and its input line to tell apart answers with the same key. An embedding is kept
     * as float: Ollama sends float32, and it halves what run A's answers hold in memory.
     */
    private record Compared(String key, String response, String thinking, float[] embedding, Long line) {
        static Compared of(JsonNode record) {
            JsonNode line = record.path("line");
            return new Compared(
                    OutputComparison.key(record),
                    text(record, "response"),
                    text(record, "thinking"),
                    vector(record.path("embedding")),
                    line.isIntegralNumber() ? line.asLong() : null);
        }
    }

    /**
     * Two embeddings that differ, how much, and the how-manieth difference it is: the worst first, dimensions that
     * differ before any cosine, and among equals the first met.
     */
    private record EmbeddingDifference(String text, double cosine, long order) {
        static final Comparator<EmbeddingDifference> WORST_FIRST =
                Comparator.comparingDouble(EmbeddingDifference::cosine).thenComparingLong(EmbeddingDifference::order);
    }

    private final double minCosine;
    private long identical;
    private long different;
    private long repeatedInA;
    private long repeatedInB;
    private final List<String> onlyInA = new ArrayList<>();
    private final List<String> onlyInB = new ArrayList<>();
    private final List<String> differences = new ArrayList<>();
    private long onlyInACount;
    private long onlyInBCount;
    private long embeddingsCompared;
    private double lowestCosine = Double.POSITIVE_INFINITY;
    private String lowestCosineKey;
    /** The worst embedding differences so far, the least bad at the head so that it is the one to drop. */
    private final PriorityQueue<EmbeddingDifference> worstEmbeddings =
            new PriorityQueue<>(EmbeddingDifference.WORST_FIRST.reversed());

    private OutputComparison(double minCosine) {
        this.minCosine = minCosine;
    }

    public static OutputComparison of(Path a, Path b) throws IOException {
        return of(a, b, DEFAULT_MIN_COSINE);
    }

    /** Embeddings are identical when their cosine similarity is at least {@code minCosine}. */
    public static OutputComparison of(Path a, Path b, double minCosine) throws IOException {
        OutputComparison comparison = new OutputComparison(minCosine);
        // A key's answers in order of appearance: a Compared, or an ArrayDeque of them once the key repeats.
        Map<String, Object> first = new LinkedHashMap<>();
        OutputRecords.forEach(a, record -> comparison.add(first, Compared.of(record)));
        Set<String> seenInB = new HashSet<>();
        OutputRecords.forEach(b, record -> {
            Compared answer = Compared.of(record);
            if (!seenInB.add(answer.key())) {
                comparison.repeatedInB++;
            }
            comparison.match(take(first, answer.key()), answer);
        });
        for (Object left : first.values()) {
            if (left instanceof ArrayDeque<?> queue) {
                queue.forEach(answer -> comparison.onlyInA((Compared) answer));
            } else {
                comparison.onlyInA((Compared) left);
            }
        }
        return comparison;
    }

    private void add(Map<String, Object> answers, Compared answer) {
        Object before = answers.get(answer.key());
        if (before == null) {
            answers.put(answer.key(), answer);
            return;
        }
        repeatedInA++;
        if (before instanceof ArrayDeque<?> queue) {
            @SuppressWarnings("unchecked")
            ArrayDeque<Compared> answersOfKey = (ArrayDeque<Compared>) queue;
            answersOfKey.add(answer);
        } else {
            ArrayDeque<Compared> queue = new ArrayDeque<>(2);
            queue.add((Compared) before);
            queue.add(answer);
            answers.put(answer.key(), queue);
        }
    }

    /** The first answer of the key not yet matched, or null. */
    private static Compared take(Map<String, Object> answers, String key) {
        Object found = answers.get(key);
        if (found instanceof ArrayDeque<?> queue) {
            Compared next = (Compared) queue.poll();
            if (queue.isEmpty()) {
                answers.remove(key);
            }
            return next;
        }
        answers.remove(key);
        return (Compared) found;
    }

    private void onlyInA(Compared answer) {
        onlyInACount++;
        if (onlyInA.size() < EXAMPLES) {
            onlyInA.add(answer.key() + lines(answer.line(), answer.line()));
        }
    }

    private void match(Compared a, Compared b) {
        if (a == null) {
            onlyInBCount++;
            if (onlyInB.size() < EXAMPLES) {
                onlyInB.add(b.key() + lines(b.line(), b.line()));
            }
            return;
        }
        if (a.embedding() != null || b.embedding() != null) {
            matchEmbeddings(a, b);
            return;
        }
        String difference = difference("response", a.response(), b.response());
        if (difference == null) {
            difference = difference("thinking", a.thinking(), b.thinking());
        }
        if (difference == null) {
            identical++;
        } else {
            different++;
            if (differences.size() < EXAMPLES) {
                differences.add(a.key() + lines(a.line(), b.line()) + ": " + difference);
            }
        }
    }

    private void matchEmbeddings(Compared a, Compared b) {
        String where = a.key() + lines(a.line(), b.line()) + ": ";
        if (a.embedding() == null || b.embedding() == null) {
            differentEmbedding(new EmbeddingDifference(
                    where + "embedding only in " + (a.embedding() == null ? "B" : "A"), -2, different));
            return;
        }
        if (a.embedding().length != b.embedding().length) {
            differentEmbedding(new EmbeddingDifference(
                    where + "dimensions differ, " + a.embedding().length + " in A, " + b.embedding().length + " in B",
                    -2,
                    different));
            return;
        }
        double cosine = cosine(a.embedding(), b.embedding());
        embeddingsCompared++;
        if (cosine < lowestCosine) {
            lowestCosine = cosine;
            lowestCosineKey = a.key();
        }
        if (cosine >= minCosine) {
            identical++;
        } else {
            differentEmbedding(new EmbeddingDifference(where + "cosine " + cosineText(cosine), cosine, different));
        }
    }

    private void differentEmbedding(EmbeddingDifference difference) {
        different++;
        worstEmbeddings.add(difference);
        if (worstEmbeddings.size() > EXAMPLES) {
            worstEmbeddings.poll();
        }
    }

    /**
     * Their cosine similarity; 1 for two equal vectors (zero ones too), 0 when only one of them is zero. Ollama
     * normalises its vectors, but another server or a {@code dimensions} cut may not, so the norms are divided out.
     */
    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double normA = 0;
        double normB = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            normA += (double) a[i] * a[i];
            normB += (double) b[i] * b[i];
        }
        if (normA == 0 || normB == 0) {
            return Arrays.equals(a, b) ? 1 : 0;
        }
        return dot / Math.sqrt(normA * normB);
    }

    private static String cosineText(double cosine) {
        return String.format(Locale.ROOT, "%.9f", cosine);
    }

    public boolean identical() {
        return different == 0 && onlyInACount == 0 && onlyInBCount == 0;
    }

    /** The counts, then examples of each kind of difference. */
    public String report() {
        StringBuilder out = new StringBuilder(String.format(
                "identical: %d, different: %d, only in A: %d, only in " + "B: %d%n",
                identical, different, onlyInACount, onlyInBCount));
        if (repeatedInA + repeatedInB > 0) {
            out.append(String.format(
                    "repeated (id, model, seed, variant, repeat): %d answers in A, %d in B; they "
                            + "are matched in order of appearance%n",
                    repeatedInA, repeatedInB));
        }
        if (embeddingsCompared > 0) {
            out.append(String.format(
                    "embeddings: lowest cosine %s (%s); identical at cosine %s or more%n",
                    cosineText(lowestCosine), lowestCosineKey, minCosineText()));
        }
        differences.forEach(d -> out.append("  different  ").append(d).append('\n'));
        worstEmbeddings.stream()
                .sorted(EmbeddingDifference.WORST_FIRST)
                .forEach(d -> out.append("  different  ").append(d.text()).append('\n'));
        onlyInA.forEach(k -> out.append("  only in A  ").append(k).append('\n'));
        onlyInB.forEach(k -> out.append("  only in B  ").append(k).append('\n'));
        return out.toString();
    }

    /** The threshold as given: 0.999999, not 0.999999000. */
    private String minCosineText() {
        return BigDecimal.valueOf(minCosine).stripTrailingZeros().toPlainString();
    }

    /** ", input line 5", or ", input line 5 in A, 7 in B"; nothing for output written before answers had lines. */
    private static String lines(Long a, Long b) {
        if (a == null || b == null) {
            return "";
        }
        return a.equals(b) ? ", input line " + a : ", input line " + a + " in A, " + b + " in B";
    }

    /** Where two texts part, or null when they are the same. */
    private static String difference(String field, String left, String right) {
        if (left.equals(right)) {
            return null;
        }
        int at = 0;
        while (at < left.length() && at < right.length() && left.charAt(at) == right.charAt(at)) {
            at++;
        }
        return field + " differs from character " + (at + 1);
    }

    private static String text(JsonNode record, String field) {
        JsonNode value = record.path(field);
        return value.isNull() || value.isMissingNode() ? "" : value.asString();
    }

    /** The numbers of an {@code embedding} array, or null where the record has none. */
    private static float[] vector(JsonNode value) {
        if (!value.isArray()) {
            return null;
        }
        float[] vector = new float[value.size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = (float) value.get(i).asDouble();
        }
        return vector;
    }

    private static String key(JsonNode record) {
        StringJoiner key = new StringJoiner(" ");
        for (String field : List.of("id", "model", "seed", "variant", "repeat")) {
            JsonNode value = record.path(field);
            if (field.equals("seed")) {
                String passSeed = OutputRecords.passSeed(record);
                if (passSeed != null) {
                    key.add("seed=" + passSeed);
                }
            } else if (!value.isMissingNode() && !value.isNull()) {
                key.add(field + "=" + value.asString());
            }
        }
        return key.toString();
    }
}

package dev.promptbatch.structured;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import tools.jackson.databind.json.JsonMapper;

/**
 * What checking an answer against a 10-field schema costs, per answer: {@link AnswerCheck#check} as a run calls it
 * (parse and validate) on one thread, over a pool of distinct answers (one in ten off the schema), after a warm-up.
 * Not a test: {@code bench/schema-validation} runs it, see bench/README.md.
 */
public final class SchemaValidationBench {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String SCHEMA = """
            {"type": "object",
             "properties": {
               "title": {"type": "string", "minLength": 1, "maxLength": 120},
               "category": {"enum": ["Camping", "Kitchen", "Garden", "Lighting", "Audio"]},
               "price": {"type": "number", "minimum": 0},
               "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
               "weight_kg": {"type": "number", "minimum": 0},
               "in_stock": {"type": "boolean"},
               "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 6},
               "sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{5}$"},
               "rating": {"type": "integer", "minimum": 1, "maximum": 5},
               "dimensions": {"type": "object",
                              "properties": {"w": {"type": "number"}, "h": {"type": "number"}, "d": {"type": "number"}},
                              "required": ["w", "h", "d"], "additionalProperties": false}},
             "required": ["title", "category", "price", "currency", "weight_kg", "in_stock", "tags", "sku", "rating",
                          "dimensions"],
             "additionalProperties": false}""";
    private static final int POOL = 10_000;
    private static final int WARM_UP = 200_000;

    private SchemaValidationBench() {}

    public static void main(String[] args) {
        int answers = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        @SuppressWarnings("unchecked")
        AnswerCheck check = AnswerCheck.of(JSON.readValue(SCHEMA, Map.class));
        List<String> pool = answers();
        long valid = 0;
        for (int i = 0; i < WARM_UP; i++) {
            valid += check.check(pool.get(i % POOL), "stop") instanceof AnswerCheck.Valid ? 1 : 0;
        }
        valid = 0;
        long start = System.nanoTime();
        for (int i = 0; i < answers; i++) {
            valid += check.check(pool.get(i % POOL), "stop") instanceof AnswerCheck.Valid ? 1 : 0;
        }
        long nanos = System.nanoTime() - start;
        // Parsing alone, as the check does it, to tell the schema's share from the parser's.
        long nodes = 0;
        for (int i = 0; i < WARM_UP; i++) {
            nodes += JSON.readTree(pool.get(i % POOL)).size();
        }
        long parseStart = System.nanoTime();
        for (int i = 0; i < answers; i++) {
            nodes += JSON.readTree(pool.get(i % POOL)).size();
        }
        long parseNanos = System.nanoTime() - parseStart;
        double bytes = pool.stream().mapToInt(String::length).average().orElseThrow();
        System.out.printf(
                Locale.ROOT,
                "%,d answers of a 10-field schema (%.0f bytes each on average, %,d valid): %.2f s, %.2f µs per answer"
                        + " (parse and validate, one thread), of which parsing %.2f µs%n",
                answers,
                bytes,
                valid,
                nanos / 1e9,
                nanos / 1e3 / answers,
                parseNanos / 1e3 / answers);
        if (nodes == 0) {
            throw new IllegalStateException("nothing parsed");
        }
    }

    /** Distinct answers; every tenth breaks the schema (a price as text, a missing rating, an extra property). */
    private static List<String> answers() {
        Random random = new Random(42);
        String[] categories = {"Camping", "Kitchen", "Garden", "Lighting", "Audio"};
        List<String> answers = new ArrayList<>(POOL);
        for (int i = 0; i < POOL; i++) {
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("title", "Product " + i + " " + Long.toString(random.nextLong(), 36));
            answer.put("category", categories[random.nextInt(categories.length)]);
            answer.put("price", Math.round(random.nextDouble() * 50_000) / 100.0);
            answer.put("currency", "EUR");
            answer.put("weight_kg", Math.round(random.nextDouble() * 2_000) / 100.0);
            answer.put("in_stock", random.nextBoolean());
            answer.put("tags", List.of("tag" + random.nextInt(50), "tag" + random.nextInt(50)));
            answer.put("sku", String.format(Locale.ROOT, "OUT-%05d", random.nextInt(100_000)));
            answer.put("rating", 1 + random.nextInt(5));
            answer.put("dimensions", Map.of("w", random.nextInt(100), "h", random.nextInt(100), "d", 12.5));
            if (i % 10 == 9) {
                switch (random.nextInt(3)) {
                    case 0 -> answer.put("price", "12.50");
                    case 1 -> answer.remove("rating");
                    default -> answer.put("colour", "red");
                }
            }
            answers.add(JSON.writeValueAsString(answer));
        }
        return answers;
    }
}

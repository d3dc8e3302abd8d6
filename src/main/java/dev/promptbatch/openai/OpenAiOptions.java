package dev.promptbatch.openai;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.promptbatch.spec.Endpoint;
import dev.promptbatch.spec.JobSpec;

/**
 * How a job's Ollama options and keys become an OpenAI request, and which have no equivalent there: the one table
 * both the client ({@link #map}) and the check before a run ({@link #problems}) read. An option without an
 * equivalent would be dropped silently by some servers and refused by others, so a job that has one does not run
 * on an {@code api: openai} server.
 */
public final class OpenAiOptions {
    /** Ollama's option → the OpenAI field it becomes. */
    private static final Map<String, String> FIELDS = Map.of(
            "num_predict", "max_tokens",
            "temperature", "temperature",
            "top_p", "top_p",
            "seed", "seed",
            "stop", "stop",
            "presence_penalty", "presence_penalty",
            "frequency_penalty", "frequency_penalty");

    private OpenAiOptions() {}

    /** The OpenAI fields for these options, every one of which has an equivalent (see {@link #problems}). */
    static Map<String, Object> map(Map<String, Object> options) {
        Map<String, Object> fields = new LinkedHashMap<>();
        if (options != null) {
            options.forEach((key, value) -> {
                String field = FIELDS.get(key);
                if (field != null && value != null) {
                    fields.put(field, value);
                }
            });
        }
        return fields;
    }

    /**
     * What in the job an OpenAI-compatible server cannot be asked, each as {@code key: why}: options without an
     * equivalent, {@code think}, {@code truncate: false}, and a generate job's {@code system} and {@code images}
     * ({@code /v1/completions} takes one prompt string). {@code keep-alive} is not among them: it only says how long
     * an Ollama server keeps the model loaded, and is not sent.
     */
    public static List<String> problems(JobSpec spec) {
        List<String> problems = new ArrayList<>();
        List<Map<String, Object>> optionSets = new ArrayList<>();
        optionSets.add(spec.generation().options());
        optionSets.addAll(spec.sweep().variants());
        for (int i = 0; i < optionSets.size(); i++) {
            String where = i == 0 ? "options." : "variants[" + (i - 1) + "].";
            for (Map.Entry<String, Object> option : optionSets.get(i).entrySet()) {
                String key = option.getKey();
                if (!FIELDS.containsKey(key)) {
                    problems.add(where + key + ": no OpenAI equivalent (these servers take "
                            + String.join(
                                    ", ", FIELDS.keySet().stream().sorted().toList()) + ")");
                } else if (key.equals("num_predict") && option.getValue() instanceof Number n && n.longValue() < 1) {
                    problems.add(where + key + ": " + n + " has no OpenAI equivalent (max_tokens is at least 1)");
                }
            }
        }
        if (spec.generation().think() != null) {
            problems.add("think: no OpenAI equivalent");
        }
        if (spec.embedding() != null && Boolean.FALSE.equals(spec.embedding().truncate())) {
            problems.add("truncate: false has no OpenAI equivalent");
        }
        if (spec.generation().endpoint() == Endpoint.GENERATE) {
            if (spec.generation().system() != null) {
                problems.add("system: /v1/completions takes one prompt and no system prompt; use endpoint: chat");
            }
            if (spec.input().images().any()) {
                problems.add("images: /v1/completions takes no images; use endpoint: chat");
            }
        }
        return problems;
    }
}

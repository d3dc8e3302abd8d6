package dev.promptbatch.simulator;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The parts of a valid request that fault rules can match on.
 *
 * @param model   the model name as sent
 * @param prompt  the prompt; of a chat, the last user message; of an embed request, the inputs one per line. Faults
 *                only apply to requests that generate or embed something.
 * @param system  the system text, {@code ""} when absent
 * @param options the request's {@code options} as plain Java values (numbers, strings, booleans, lists, maps);
 *                empty when absent
 */
public record SimulatedRequest(String model, String prompt, String system, Map<String, Object> options) {

    public SimulatedRequest {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(prompt, "prompt");
        system = system == null ? "" : system;
        // Options may hold JSON nulls, which Map.copyOf rejects.
        options = options == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }
}

package dev.promptbatch.ollama;

import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;

/**
 * One {@code POST /api/embed}: many inputs, one vector each. Null parts are not sent.
 *
 * @param dimensions null, or the length to cut the vectors to
 * @param truncate   null (Ollama truncates), or whether an input too long for the context is cut or refused
 * @param keepAlive  null, a duration string with a unit, or a number of seconds
 * @param batchBody  null, or the body of the OpenAI Batch line this request was read from, sent as it is to an
 *                   OpenAI-compatible server (with the run's model)
 */
public record EmbedRequest(
        String model,
        List<String> input,
        Integer dimensions,
        Boolean truncate,
        Map<String, Object> options,
        Object keepAlive,
        JsonNode batchBody) {
    public EmbedRequest {
        input = List.copyOf(input);
    }

    /** A request made from the records of an embed job. */
    public EmbedRequest(
            String model,
            List<String> input,
            Integer dimensions,
            Boolean truncate,
            Map<String, Object> options,
            Object keepAlive) {
        this(model, input, dimensions, truncate, options, keepAlive, null);
    }
}

package dev.promptbatch.ollama;

import java.util.List;
import java.util.Map;

/**
 * One {@code POST /api/embed}: many inputs, one vector each. Null parts are not sent.
 *
 * @param dimensions null, or the length to cut the vectors to
 * @param truncate   null (Ollama truncates), or whether an input too long for the context is cut or refused
 * @param keepAlive  null, a duration string with a unit, or a number of seconds
 */
public record EmbedRequest(
        String model,
        List<String> input,
        Integer dimensions,
        Boolean truncate,
        Map<String, Object> options,
        Object keepAlive) {
    public EmbedRequest {
        input = List.copyOf(input);
    }
}

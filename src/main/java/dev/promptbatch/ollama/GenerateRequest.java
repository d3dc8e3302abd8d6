package dev.promptbatch.ollama;

import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;

/**
 * One {@code POST /api/generate}. Null parts are not sent; {@code stream} is always false.
 *
 * @param format    null, "json" or a JSON Schema object
 * @param think     null, a Boolean or a level string; sent at the top level, where Ollama reads it
 * @param keepAlive null, a duration string with a unit, or a number of seconds
 * @param images    null, or the images as padded standard base64 without a {@code data:} prefix
 * @param batchBody null, or the body of the OpenAI Batch line this request was read from ({@link ModelRequest#batchBody()})
 */
public record GenerateRequest(
        String model,
        String prompt,
        String system,
        Map<String, Object> options,
        Object format,
        Object think,
        Object keepAlive,
        List<String> images,
        JsonNode batchBody)
        implements ModelRequest {
    /** A request made from a template. */
    public GenerateRequest(
            String model,
            String prompt,
            String system,
            Map<String, Object> options,
            Object format,
            Object think,
            Object keepAlive,
            List<String> images) {
        this(model, prompt, system, options, format, think, keepAlive, images, null);
    }

    @Override
    public GenerateRequest withSeed(long seed) {
        return new GenerateRequest(
                model,
                prompt,
                system,
                ModelRequest.optionsWithSeed(options, seed),
                format,
                think,
                keepAlive,
                images,
                batchBody);
    }
}

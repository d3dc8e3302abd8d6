import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the simulator recorded of one run ({@code GET /_simulator/stats}). Its times are System.nanoTime marks of
 * the simulator process; on Linux that is CLOCK_MONOTONIC, shared by every process, so they can be compared with
 * the harness's own marks.
 *
 * @param generateRequests every POST /api/generate, PromptBatch's empty-prompt model load included
 * @param promptRequests   generate requests with a non-empty prompt: one per record unless some were retried
 * @param distinctPrompts  distinct non-empty prompts: the records that reached the server
 */
record ServerStats(long generateRequests, long promptRequests, long distinctPrompts, int maxInFlight,
                   int maxGenerating, long slotBusyNanos, long firstRequestNanos, long lastAnswerNanos,
                   int parallel) {

    /** The physical limit: no client finishes sooner than the slot-busy time spread over every slot. */
    long idealNanos() {
        return slotBusyNanos / parallel;
    }

    /** From the first request received to the last answer sent. */
    long activeNanos() {
        return lastAnswerNanos - firstRequestNanos;
    }

    double efficiency() {
        return activeNanos() > 0 ? (double) idealNanos() / activeNanos() : Double.NaN;
    }

    /**
     * Reads the numbers without a JSON library. The prompt map's keys are the generated prompts ("item 17"), which
     * hold neither quotes nor braces, so the map ends at the first closing brace.
     */
    static ServerStats parse(String json) {
        String prompts = promptMap(json);
        long promptRequests = 0;
        long distinctPrompts = 0;
        Matcher count = Pattern.compile("\":(\\d+)").matcher(prompts);
        while (count.find()) {
            promptRequests += Long.parseLong(count.group(1));
            distinctPrompts++;
        }
        return new ServerStats(number(json, "generateRequests"), promptRequests, distinctPrompts,
                (int) number(json, "maxInFlight"), (int) number(json, "maxGenerating"),
                number(json, "slotBusyNanos"), number(json, "firstRequestNanos"), number(json, "lastAnswerNanos"),
                (int) number(json, "parallel"));
    }

    private static String promptMap(String json) {
        int start = json.indexOf("\"requestsByPrompt\":{");
        if (start < 0) {
            throw new IllegalArgumentException("no requestsByPrompt in the simulator's stats: " + json);
        }
        return json.substring(start, json.indexOf('}', start) + 1);
    }

    private static long number(String json, String name) {
        Matcher matcher = Pattern.compile("\"" + name + "\":(-?\\d+)").matcher(json);
        if (!matcher.find()) {
            throw new IllegalArgumentException("no " + name + " in the simulator's stats");
        }
        return Long.parseLong(matcher.group(1));
    }
}

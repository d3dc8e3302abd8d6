import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the simulator recorded of one run ({@code GET /_simulator/stats}). Its times are System.nanoTime marks of
 * the simulator process; on Linux that is CLOCK_MONOTONIC, shared by every process, so they can be compared with
 * the harness's own marks.
 *
 * @param generateRequests every POST /api/generate, PromptBatch's empty-prompt model load included
 * @param promptRequests   generate requests with a non-empty prompt: one per record unless some were sent again
 * @param distinctPrompts  distinct non-empty prompts: the records that reached the server
 * @param repeatedRequests requests for a prompt beyond its one answer and the times it was left unanswered
 *                         (answered busy, or dropped before any response byte): a client may send those again, and
 *                         nothing else
 * @param unanswered       prompts that reached the server and were never answered
 * @param busyAnswers      requests answered 503 "server busy" because the queue was full; 0 from a simulator
 *                         without the figure
 * @param closedConnections connections the simulator closed after their one response (--close-connections); 0
 *                         from a simulator without the figure
 * @param unansweredRequests requests left unanswered (busy, dropped, cut off), summed over prompts
 * @param inFlight         requests received and not yet answered when the figures were taken
 * @param maxInFlight      the most requests received and not yet answered at any moment since the reset
 */
record ServerStats(long generateRequests, long promptRequests, long distinctPrompts, long repeatedRequests,
                   long unanswered, long unansweredRequests, long busyAnswers, long closedConnections, int inFlight,
                   int maxInFlight, int maxGenerating, long slotBusyNanos, long firstRequestNanos,
                   long lastAnswerNanos, int parallel) {

    /** {@code "item 17":2} in a prompt map. */
    private static final Pattern ENTRY = Pattern.compile("\"([^\"]*)\":(\\d+)");

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
     * Requests with a prompt that the server has answered so far: received, less those left unanswered and those
     * still in flight (a model load in flight is counted among the latter, so this may be one short for a moment).
     */
    long answeredRequests() {
        return Math.max(0, promptRequests - unansweredRequests - inFlight);
    }

    /**
     * Per prompt, the requests the server answered: received less left unanswered. Kept whole, unlike in
     * {@link #parse}: for comparing the servers of one run, whose records are thousands, not a million.
     */
    static Map<String, Integer> answeredByPrompt(String json) {
        Map<String, Integer> unansweredByPrompt = unansweredByPrompt(json);
        Map<String, Integer> answered = new HashMap<>();
        Matcher entry = ENTRY.matcher(promptMap(json, "requestsByPrompt", true));
        while (entry.find()) {
            answered.put(entry.group(1),
                    Integer.parseInt(entry.group(2)) - unansweredByPrompt.getOrDefault(entry.group(1), 0));
        }
        return answered;
    }

    /**
     * Reads the numbers without a JSON library. The prompt maps' keys are the generated prompts ("item 17"), which
     * hold neither quotes nor braces, so each map ends at its first closing brace. The map of unanswered requests
     * is small (a few per busy answer); the map of requests has one entry per record, up to a million, so it is
     * read entry by entry and not kept.
     */
    static ServerStats parse(String json) {
        Map<String, Integer> unansweredByPrompt = unansweredByPrompt(json);
        long promptRequests = 0;
        long distinctPrompts = 0;
        long repeated = 0;
        long unanswered = 0;
        Matcher entry = ENTRY.matcher(promptMap(json, "requestsByPrompt", true));
        while (entry.find()) {
            int requests = Integer.parseInt(entry.group(2));
            promptRequests += requests;
            distinctPrompts++;
            int answered = requests - unansweredByPrompt.getOrDefault(entry.group(1), 0);
            if (answered > 1) {
                repeated += answered - 1;
            } else if (answered < 1) {
                unanswered++;
            }
        }
        long unansweredRequests = unansweredByPrompt.values().stream().mapToLong(Integer::longValue).sum();
        return new ServerStats(number(json, "generateRequests"), promptRequests, distinctPrompts, repeated,
                unanswered, unansweredRequests, optionalNumber(json, "busyAnswers"),
                optionalNumber(json, "closedConnections"), (int) optionalNumber(json, "inFlight"),
                (int) number(json, "maxInFlight"), (int) number(json, "maxGenerating"),
                number(json, "slotBusyNanos"), number(json, "firstRequestNanos"), number(json, "lastAnswerNanos"),
                (int) number(json, "parallel"));
    }

    private static Map<String, Integer> unansweredByPrompt(String json) {
        Map<String, Integer> unansweredByPrompt = new HashMap<>();
        Matcher entry = ENTRY.matcher(promptMap(json, "unansweredByPrompt", false));
        while (entry.find()) {
            unansweredByPrompt.put(entry.group(1), Integer.parseInt(entry.group(2)));
        }
        return unansweredByPrompt;
    }

    /** The object named, without its braces' outside; empty if it is missing and not required. */
    private static String promptMap(String json, String name, boolean required) {
        int start = json.indexOf("\"" + name + "\":{");
        if (start < 0) {
            if (required) {
                throw new IllegalArgumentException("no " + name + " in the simulator's stats: " + json);
            }
            return "";
        }
        int open = json.indexOf('{', start);
        return json.substring(open + 1, json.indexOf('}', open));
    }

    private static long number(String json, String name) {
        Matcher matcher = Pattern.compile("\"" + name + "\":(-?\\d+)").matcher(json);
        if (!matcher.find()) {
            throw new IllegalArgumentException("no " + name + " in the simulator's stats");
        }
        return Long.parseLong(matcher.group(1));
    }

    /** A figure that older simulators do not report (f and g's counts, inFlight): 0 then. */
    private static long optionalNumber(String json, String name) {
        return json.contains("\"" + name + "\":") ? number(json, name) : 0;
    }
}

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The simulated servers the scenarios run against. Each is started once and reset between runs. */
enum SimulatorProfile {

    /** A GPU server with 8 slots at 400 tokens/s each; answer lengths lognormal, median 60 tokens, sigma 1. */
    HEAVY_TAILED("8 slots, 400 tokens/s per slot, lognormal lengths (median 60 tokens, sigma 1)",
            List.of("--parallel", "8", "--tokens-per-second", "400", "--load-ms", "0"), true, true),

    /**
     * Answers at once. The simulator still evaluates the prompt at 4,000 tokens/s (not settable from the command
     * line), which is why the generated prompts are two words: 0.5 ms in a slot.
     */
    INSTANT("8 slots, instant answers (default lengths: median 60 tokens, sigma 0.5)",
            List.of("--parallel", "8", "--tokens-per-second", "0", "--load-ms", "0"), false, false),

    /**
     * HEAVY_TAILED behind a front that closes every connection after its response without saying so (no
     * {@code Connection: close}), as servers built on Python's or Node's HTTP stacks and proxies with short
     * keep-alive timeouts do: a client's next request on a pooled connection gets no response byte.
     */
    CLOSING("8 slots, 400 tokens/s per slot, lognormal lengths (median 60 tokens, sigma 1), "
            + "every connection closed after its response",
            List.of("--parallel", "8", "--tokens-per-second", "400", "--load-ms", "0", "--close-connections"), true,
            true),

    /**
     * A server shared with others, or Ollama with a small {@code OLLAMA_MAX_QUEUE}: 2 slots, at most 2 requests
     * waiting for one, and 503 "server busy" at once for any more. Same speed and lengths as HEAVY_TAILED.
     */
    BUSY_QUEUE("2 slots, 400 tokens/s per slot, lognormal lengths (median 60 tokens, sigma 1), "
            + "at most 2 requests queued, 503 \"server busy\" beyond",
            List.of("--parallel", "2", "--tokens-per-second", "400", "--load-ms", "0", "--max-queue", "2"), true,
            true);

    static final String MODEL = "bench:1b";
    /** The heavy tail's lengths: lognormal with this median and sigma. */
    private static final String HEAVY_TAIL_MEDIAN_TOKENS = "60";
    private static final String HEAVY_TAIL_SIGMA = "1";

    final String description;
    /**
     * Whether answers take generation time. Only then do slot-busy time, the ideal and efficiency mean something:
     * an instant slot is busy for the prompt evaluation alone.
     */
    final boolean paced;
    private final List<String> arguments;
    /** Whether answer lengths are the heavy tail, else the simulator's default lengths. */
    private final boolean heavyTailed;

    SimulatorProfile(String description, List<String> arguments, boolean heavyTailed, boolean paced) {
        this.description = description;
        this.arguments = arguments;
        this.heavyTailed = heavyTailed;
        this.paced = paced;
    }

    /**
     * The {@code simulate} options; the length options only if this simulator has them.
     *
     * @param medianTokensOption the simulator's name for its median length option, empty if it has none
     */
    List<String> arguments(Optional<String> medianTokensOption) {
        List<String> all = new ArrayList<>(arguments);
        all.addAll(List.of("--models", MODEL));
        if (heavyTailed) {
            all.addAll(heavyTailArguments(medianTokensOption));
        }
        return all;
    }

    /** The heavy tail's length options, or none if this simulator lacks them. */
    static List<String> heavyTailArguments(Optional<String> medianTokensOption) {
        return medianTokensOption
                .map(option -> List.of(option, HEAVY_TAIL_MEDIAN_TOKENS, "--length-sigma", HEAVY_TAIL_SIGMA))
                .orElse(List.of());
    }

    /** Whether the profile needs the length options to be what its description says. */
    boolean needsLengthOptions() {
        return heavyTailed;
    }
}

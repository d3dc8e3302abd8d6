import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One server of a fleet: its slots and how fast each slot generates. Answer lengths are the heavy tail of the
 * single-server runs (lognormal, median 60 tokens, sigma 1), so only the slots and the speed differ between servers.
 */
record FleetServer(int slots, int tokensPerSecond) {

    /** Tokens per second when every slot generates: what the server weighs in the fleet's capacity. */
    long capacity() {
        return (long) slots * tokensPerSecond;
    }

    String describe() {
        return slots + " slots at " + tokensPerSecond + " tokens/s";
    }

    /** A short name for tables: {@code 8x400}. */
    String label() {
        return slots + "x" + tokensPerSecond;
    }

    /** @param medianTokensOption the simulator's name for its median length option, empty if it has none */
    List<String> arguments(Optional<String> medianTokensOption) {
        List<String> all = new ArrayList<>(List.of("--parallel", Integer.toString(slots), "--tokens-per-second",
                Integer.toString(tokensPerSecond), "--load-ms", "0", "--models", SimulatorProfile.MODEL));
        all.addAll(SimulatorProfile.heavyTailArguments(medianTokensOption));
        return all;
    }
}

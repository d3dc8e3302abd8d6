import java.util.List;
import java.util.Set;

/**
 * One measured run of PromptBatch against a fleet of simulators, each given to it with its slots as its bound.
 *
 * @param id      j or k
 * @param purpose what the run answers, for the table
 * @param kill    the server killed during the run, or null if all run to the end
 */
record FleetScenario(String id, String purpose, FleetProfile fleet, int records, Kill kill) {

    /**
     * @param server  the index of the server in the fleet
     * @param atShare the share of the records answered (by all servers together) at which it is killed
     */
    record Kill(int server, double atShare) {
    }

    char letter() {
        return id.charAt(0);
    }

    /** The fleet scenarios of the given letters (all when empty). */
    static List<FleetScenario> plan(boolean quick, Set<Character> letters) {
        // 3,000 heavy-tailed answers on 4,800 tokens/s: about a minute, like a on its one server.
        int records = quick ? 300 : 3_000;
        List<FleetScenario> all = List.of(
                new FleetScenario("j", "three servers, concurrency = slots on each", FleetProfile.THREE_SERVERS,
                        records, null),
                new FleetScenario("k", "j, the 4-slot server killed at 30% answered", FleetProfile.THREE_SERVERS,
                        records, new Kill(1, 0.30)));
        return all.stream().filter(s -> letters.isEmpty() || letters.contains(s.letter())).toList();
    }
}

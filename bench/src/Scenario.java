import java.util.List;
import java.util.Set;

/**
 * One measured run: which client, against which simulator, how many records, how many requests in flight.
 *
 * @param id          a, b16, b32, c, d-small, d-large, e, f, g, h, i-hsqldb or i-postgres; its first letter is the
 *                    issue's scenario letter
 * @param purpose     what the run answers, for the table
 * @param concurrency requests in flight, or {@link #AUTO} for {@code concurrency: auto}
 */
record Scenario(String id, String purpose, SimulatorProfile simulator, Client client, int records, int concurrency) {

    /** {@code concurrency: auto}: PromptBatch finds the level itself. */
    static final int AUTO = 0;

    enum Client {
        PROMPTBATCH("PromptBatch"),
        THREAD_POOL("thread pool");

        final String label;

        Client(String label) {
            this.label = label;
        }
    }

    char letter() {
        return id.charAt(0);
    }

    boolean autoConcurrency() {
        return concurrency == AUTO;
    }

    /** Whether the job repository is on PostgreSQL rather than in the default HSQLDB folder. */
    boolean postgres() {
        return id.endsWith("-postgres");
    }

    /** The scenarios of the given letters (all when empty), in the order of the results table. */
    static List<Scenario> plan(boolean quick, Set<Character> letters) {
        int heavy = quick ? 200 : 2_000;
        // A quarter of a's records on a quarter of its slots: about as long a run as a.
        int busy = quick ? 50 : 500;
        int overhead = quick ? 2_000 : 20_000;
        int memorySmall = quick ? 1_000 : 10_000;
        int memoryLarge = quick ? 20_000 : 1_000_000;
        // auto takes a few dozen answers at each level from 1 to 16 before it settles.
        int auto = quick ? 600 : 3_000;
        // The 2,000 records end before a fresh JVM is warm (about 2 ms of CPU a record against 0.28 warm),
        // so the full run measures the repository's cost once warm over c's size; quick keeps the size.
        int repository = quick ? 2_000 : 20_000;
        List<Scenario> all = List.of(
                new Scenario("a", "heavy tail, concurrency = slots", SimulatorProfile.HEAVY_TAILED,
                        Client.PROMPTBATCH, heavy, 8),
                new Scenario("b16", "heavy tail, over-subscribed 2x", SimulatorProfile.HEAVY_TAILED,
                        Client.PROMPTBATCH, heavy, 16),
                new Scenario("b32", "heavy tail, over-subscribed 4x", SimulatorProfile.HEAVY_TAILED,
                        Client.PROMPTBATCH, heavy, 32),
                new Scenario("c", "overhead, instant answers", SimulatorProfile.INSTANT,
                        Client.PROMPTBATCH, overhead, 32),
                new Scenario("d-small", "memory, instant answers", SimulatorProfile.INSTANT,
                        Client.PROMPTBATCH, memorySmall, 32),
                new Scenario("d-large", "memory, instant answers", SimulatorProfile.INSTANT,
                        Client.PROMPTBATCH, memoryLarge, 32),
                new Scenario("e", "plain thread pool on a", SimulatorProfile.HEAVY_TAILED,
                        Client.THREAD_POOL, heavy, 8),
                new Scenario("f", "a, server closes every connection", SimulatorProfile.CLOSING,
                        Client.PROMPTBATCH, heavy, 8),
                new Scenario("g", "2 slots, 2 queued at most, busy beyond", SimulatorProfile.BUSY_QUEUE,
                        Client.PROMPTBATCH, busy, 8),
                new Scenario("h", "heavy tail, concurrency: auto", SimulatorProfile.HEAVY_TAILED,
                        Client.PROMPTBATCH, auto, AUTO),
                new Scenario("i-hsqldb", "job repository in HSQLDB, instant answers", SimulatorProfile.INSTANT,
                        Client.PROMPTBATCH, repository, 32),
                new Scenario("i-postgres", "job repository on PostgreSQL, instant answers", SimulatorProfile.INSTANT,
                        Client.PROMPTBATCH, repository, 32));
        return all.stream().filter(s -> letters.isEmpty() || letters.contains(s.letter())).toList();
    }
}

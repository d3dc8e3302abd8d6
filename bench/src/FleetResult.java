import java.net.URI;
import java.util.List;

/**
 * One fleet scenario's figures: the child process's own, each simulator's record of the run, and the answers'
 * attribution in the output.
 *
 * <p>Efficiency generalises the single-server definition (slot-busy time over the slots, against the active time)
 * by weighting each server's slots by their speed: the ideal is the time the fleet's combined capacity needs for
 * the work the servers did, {@code sum(busy_s * speed_s) / sum(slots_s * speed_s)}. With one server it is a's.
 *
 * @param servers       in the fleet's order
 * @param kill          what happened at the kill; null if no server was killed
 * @param tally         the output's answers per server
 * @param otherCpuNanos CPU time the rest of the machine spent during the run
 * @param notAnswering  PromptBatch's log line saying the killed server is not answering; empty if none or no kill
 * @param problems      why the run does not count; empty if it is sound
 */
record FleetResult(FleetScenario scenario, MeasuredProcess.Measurement measurement, List<ServerRun> servers,
                   KillRecord kill, Outputs.FleetTally tally, long otherCpuNanos, String notAnswering,
                   List<String> problems) {

    /**
     * @param stats    the simulator's figures at the end of the run, or just before the kill for the killed server
     * @param atKill   the simulator's figures just after the kill, for a server still running then; null otherwise
     * @param cpuNanos the simulator's CPU time during the run (up to its kill)
     */
    record ServerRun(FleetServer server, URI url, ServerStats stats, ServerStats atKill, boolean killed,
                     long cpuNanos) {

        /** Slot-busy time weighted by speed: the tokens-per-second-seconds of work this server did. */
        double weightedBusy() {
            return (double) stats.slotBusyNanos() * server.tokensPerSecond();
        }

        /** The same, from the kill to the end. */
        double weightedBusyAfterKill() {
            return (double) (stats.slotBusyNanos() - atKill.slotBusyNanos()) * server.tokensPerSecond();
        }

        String display() {
            return Outputs.withoutTrailingSlash(url.toString());
        }
    }

    /**
     * @param atNanos       System.nanoTime of the kill
     * @param answeredAtKill requests answered by all servers together when the share was reached
     */
    record KillRecord(long atNanos, long answeredAtKill) {
    }

    boolean sound() {
        return problems.isEmpty();
    }

    boolean noisy() {
        return otherCpuNanos > measurement.wallNanos() / 10;
    }

    long firstRequestNanos() {
        return servers.stream().mapToLong(s -> s.stats().firstRequestNanos()).filter(n -> n != 0).min().orElse(0);
    }

    long lastAnswerNanos() {
        return servers.stream().mapToLong(s -> s.stats().lastAnswerNanos()).max().orElse(0);
    }

    /** From the first request any server received to the last answer any server sent. */
    long activeNanos() {
        return lastAnswerNanos() - firstRequestNanos();
    }

    long startupNanos() {
        return firstRequestNanos() - measurement.startNanos();
    }

    /** The work done, at the fleet's combined capacity: no client finishes sooner. */
    long idealNanos() {
        return Math.round(servers.stream().mapToDouble(ServerRun::weightedBusy).sum() / scenario.fleet().capacity());
    }

    /** The same from the answers' own durations and the servers that gave them: no timer lateness in it. */
    long nominalIdealNanos() {
        double weighted = servers.stream()
                .mapToDouble(s -> (double) tally.of(s.display()).slotNanos() * s.server().tokensPerSecond())
                .sum();
        return Math.round(weighted / scenario.fleet().capacity());
    }

    double efficiency() {
        return activeNanos() > 0 ? (double) idealNanos() / activeNanos() : Double.NaN;
    }

    /** From the kill to the last answer of the servers left. */
    long remainingNanos() {
        return servers.stream().filter(s -> !s.killed()).mapToLong(s -> s.stats().lastAnswerNanos()).max()
                .orElse(0) - kill.atNanos();
    }

    /** The servers left, from the kill to the end: their work after the kill at their combined capacity. */
    double remainingEfficiency() {
        List<ServerRun> left = servers.stream().filter(s -> !s.killed()).toList();
        double work = left.stream().mapToDouble(ServerRun::weightedBusyAfterKill).sum();
        double capacity = left.stream().mapToDouble(s -> s.server().capacity()).sum();
        return remainingNanos() > 0 ? work / capacity / remainingNanos() : Double.NaN;
    }

    /** The share of the output's generated tokens that came from this server. */
    double tokenShare(ServerRun server) {
        long all = tally.evalTokens();
        return all > 0 ? (double) tally.of(server.display()).evalTokens() / all : Double.NaN;
    }

    double recordsPerSecond() {
        return scenario.records() / RunResult.seconds(activeNanos());
    }

    double cpuMillisPerRecord() {
        return measurement.cpuBetween(firstRequestNanos(), lastAnswerNanos()) / 1e6 / scenario.records();
    }

    long simulatorsCpuNanos() {
        return servers.stream().mapToLong(ServerRun::cpuNanos).sum();
    }
}

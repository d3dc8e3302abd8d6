import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The fleet scenarios' results as markdown: a table of runs, a table of servers, and the targets. */
final class FleetReport {

    private static final double MIB = 1024 * 1024;
    /** j: each server's share of the generated tokens may differ from its share of the capacity by this much. */
    private static final double SHARE_TOLERANCE = 0.02;

    private FleetReport() {
    }

    static String markdown(List<FleetResult> results, boolean quick) {
        StringBuilder md = new StringBuilder();
        md.append("| run | records | servers | wall s | startup s | active s | ideal s (nominal) | efficiency "
                + "| killed at s (answered) | after the kill s | efficiency after the kill | records/s | CPU s "
                + "| CPU ms/record | peak RSS MiB | simulators CPU s | other CPU s | check |\n");
        md.append("|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
        results.forEach(r -> md.append(runRow(r)).append('\n'));
        md.append('\n');
        md.append("| run | server | slots x tokens/s | capacity share | max in flight (bound) | answers | tokens "
                + "| token share | slot-busy s | busy share of its slots | killed |\n");
        md.append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
        results.forEach(r -> r.servers().forEach(s -> md.append(serverRow(r, s)).append('\n')));
        md.append("\nTargets of the fleet runs").append(quick ? " (judged anyway, but they are for the full sizes)"
                : "").append(":\n\n");
        targets(results).forEach(line -> md.append("- ").append(line).append('\n'));
        return md.toString();
    }

    private static String runRow(FleetResult r) {
        MeasuredProcess.Measurement m = r.measurement();
        boolean killed = r.kill() != null;
        return "| " + String.join(" | ",
                r.scenario().id(), format("%,d", r.scenario().records()),
                String.join(", ", r.scenario().fleet().servers.stream().map(FleetServer::label).toList()),
                format("%.1f", seconds(m.wallNanos())),
                format("%.1f", seconds(r.startupNanos())),
                format("%.1f", seconds(r.activeNanos())),
                killed ? "–" : format("%.1f (%.1f)", seconds(r.idealNanos()), seconds(r.nominalIdealNanos())),
                killed ? "–" : format("%.3f", r.efficiency()),
                killed ? format("%.1f (%,d)", seconds(r.kill().atNanos() - r.firstRequestNanos()),
                        r.kill().answeredAtKill()) : "–",
                killed ? format("%.1f", seconds(r.remainingNanos())) : "–",
                killed ? format("%.3f", r.remainingEfficiency()) : "–",
                format("%,.0f", r.recordsPerSecond()),
                format("%.1f", seconds(m.cpuNanos())),
                format("%.3f", r.cpuMillisPerRecord()),
                format("%.0f", m.peakRssBytes() / MIB),
                format("%.1f", seconds(r.simulatorsCpuNanos())),
                format("%.1f", seconds(r.otherCpuNanos())),
                check(r)) + " |";
    }

    private static String serverRow(FleetResult r, FleetResult.ServerRun s) {
        int index = r.servers().indexOf(s);
        ServerStats stats = s.stats();
        Outputs.ServerTally tally = r.tally().of(s.display());
        long active = s.killed() ? stats.lastAnswerNanos() - r.firstRequestNanos() : r.activeNanos();
        return "| " + String.join(" | ",
                r.scenario().id(), s.display(), s.server().label(),
                percent(r.scenario().fleet().capacityShare(index)),
                stats.maxInFlight() + " (" + s.server().slots() + ")",
                format("%,d", tally.answers()),
                format("%,d", tally.evalTokens()),
                percent(r.tokenShare(s)),
                format("%.1f", seconds(stats.slotBusyNanos())),
                active > 0 ? format("%.3f", (double) stats.slotBusyNanos() / s.server().slots() / active) : "–",
                s.killed() ? "yes, figures up to the kill" : "") + " |";
    }

    private static List<String> targets(List<FleetResult> results) {
        List<String> lines = new ArrayList<>();
        find(results, "j").ifPresent(j -> {
            lines.add(format("(j) efficiency against the three servers' combined capacity >= 0.95: %.3f, %s",
                    j.efficiency(), verdict(j.efficiency() >= 0.95)));
            lines.add(inFlight("j", j));
            boolean within = true;
            List<String> shares = new ArrayList<>();
            for (int i = 0; i < j.servers().size(); i++) {
                FleetResult.ServerRun s = j.servers().get(i);
                double capacity = j.scenario().fleet().capacityShare(i);
                double tokens = j.tokenShare(s);
                within &= Math.abs(tokens - capacity) <= SHARE_TOLERANCE;
                shares.add(s.server().label() + ": " + percent(tokens) + " vs " + percent(capacity));
            }
            lines.add(format("(j) each server's share of the tokens within %.0f points of its share of the "
                    + "capacity: %s, %s", SHARE_TOLERANCE * 100, String.join("; ", shares), verdict(within)));
        });
        find(results, "k").ifPresent(k -> {
            boolean noneFailed = k.measurement().exitCode() == 0 && !k.measurement().timedOut()
                    && k.tally().lines() == k.scenario().records()
                    && k.problems().stream().noneMatch(p -> p.startsWith("errors file"));
            lines.add(format("(k) no record failed (exit %d, %,d output lines for %,d records, %s): %s",
                    k.measurement().exitCode(), k.tally().lines(), k.scenario().records(),
                    k.problems().stream().anyMatch(p -> p.startsWith("errors file")) ? "an errors file"
                            : "no errors file", verdict(noneFailed)));
            if (k.kill() != null) {
                lines.add(format("(k) efficiency of the remaining time over the two servers left >= 0.9: %.3f "
                                + "(%.1f s from the kill to the last answer), %s", k.remainingEfficiency(),
                        seconds(k.remainingNanos()), verdict(k.remainingEfficiency() >= 0.9)));
            }
            lines.add("(k) PromptBatch's log says the killed server is not answering: "
                    + (k.notAnswering().isEmpty() ? "no such line, **missed**"
                            : "`" + k.notAnswering() + "`, **met**"));
            lines.add(inFlight("k", k));
        });
        if (results.stream().anyMatch(r -> !r.sound())) {
            lines.add("**Some fleet runs are broken (see the check column): their figures do not count.**");
        }
        if (results.stream().anyMatch(FleetResult::noisy)) {
            lines.add("**Other processes used the machine during fleet runs marked noisy (other CPU s): rerun "
                    + "them on an idle machine.**");
        }
        return lines;
    }

    private static String inFlight(String id, FleetResult r) {
        boolean within = r.servers().stream().allMatch(s -> s.stats().maxInFlight() <= s.server().slots());
        return format("(%s) never more in flight on a server than its bound: %s, %s", id,
                String.join("; ", r.servers().stream()
                        .map(s -> s.server().label() + ": " + s.stats().maxInFlight() + " of " + s.server().slots())
                        .toList()), verdict(within));
    }

    private static String check(FleetResult r) {
        String check = r.sound() ? "ok" : String.join("; ", r.problems());
        return r.noisy() ? check + ", noisy" : check;
    }

    private static Optional<FleetResult> find(List<FleetResult> results, String id) {
        return results.stream().filter(r -> r.scenario().id().equals(id)).findFirst();
    }

    private static String percent(double share) {
        return Double.isNaN(share) ? "–" : format("%.1f%%", share * 100);
    }

    private static double seconds(long nanos) {
        return RunResult.seconds(nanos);
    }

    private static String verdict(boolean met) {
        return met ? "**met**" : "**missed**";
    }

    private static String format(String pattern, Object... values) {
        return String.format(Locale.ROOT, pattern, values);
    }
}

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * The results as markdown, ready to paste into bench/README.md: where they come from, the table, and each of the
 * issue's targets with its verdict.
 */
final class Report {

    /** How much peak RSS may grow from the small to the large memory run and still count as flat. */
    private static final double FLAT_GROWTH = 1.10;
    private static final double MIB = 1024 * 1024;

    /**
     * @param context what produced the figures: command, revision, simulators, options; one line each
     * @param quick   whether the runs had the small sizes of --quick, at which the targets are not expected
     */
    static String markdown(String title, List<String> context, List<RunResult> results,
                           List<FleetResult> fleetResults, boolean quick) {
        StringBuilder md = new StringBuilder();
        md.append("### ").append(title).append("\n\n");
        context.forEach(line -> md.append("- ").append(line).append('\n'));
        md.append('\n');
        if (!results.isEmpty()) {
            md.append(singleServer(results, quick));
        }
        if (!fleetResults.isEmpty()) {
            md.append(results.isEmpty() ? "" : "\n").append(FleetReport.markdown(fleetResults, quick));
        }
        return md.toString();
    }

    private static String singleServer(List<RunResult> results, boolean quick) {
        StringBuilder md = new StringBuilder();
        md.append("| run | client | records | conc. | wall s | startup s | active s | ideal s (nominal) | efficiency "
                + "| max in flight | busy answers | closed conns | records/s | CPU s | CPU ms/record | peak RSS MiB "
                + "| heap peak MiB | heap live MiB | simulator CPU s | other CPU s | check |\n");
        md.append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
        results.forEach(result -> md.append(row(result)).append('\n'));
        md.append("\nTargets").append(quick ? " (judged anyway, but they are for the full sizes: at the quick sizes "
                + "too few answers for the tail to average out, too few records for the JIT to warm up)" : "").append(":\n\n");
        targets(results).forEach(line -> md.append("- ").append(line).append('\n'));
        return md.toString();
    }

    private static String row(RunResult r) {
        Scenario s = r.scenario();
        MeasuredProcess.Measurement m = r.measurement();
        ServerStats stats = r.stats();
        return "| " + String.join(" | ",
                s.id(), s.client().label, format("%,d", s.records()), concurrency(r),
                format("%.1f", RunResult.seconds(m.wallNanos())),
                format("%.1f", RunResult.seconds(r.startupNanos())),
                format("%.1f", RunResult.seconds(stats.activeNanos())),
                s.simulator().paced ? format("%.1f (%.1f)", RunResult.seconds(stats.idealNanos()),
                        RunResult.seconds(r.nominalIdealNanos())) : "–",
                s.simulator().paced ? format("%.3f", stats.efficiency()) : "–",
                Integer.toString(stats.maxInFlight()),
                format("%,d", stats.busyAnswers()),
                format("%,d", stats.closedConnections()),
                format("%,.0f", r.recordsPerSecond()),
                format("%.1f", RunResult.seconds(m.cpuNanos())),
                format("%.3f", r.cpuMillisPerRecord()),
                format("%.0f", m.peakRssBytes() / MIB),
                format("%.0f", m.heap().peakUsedBytes() / MIB),
                format("%.0f", m.heap().maxAfterGcBytes() / MIB),
                format("%.1f", RunResult.seconds(r.simulatorCpuNanos())),
                format("%.1f", RunResult.seconds(r.otherCpuNanos())),
                check(r)) + " |";
    }

    /** The configured level; with auto, the one it settled on, or "auto" alone if the manifest does not say. */
    private static String concurrency(RunResult r) {
        if (!r.scenario().autoConcurrency()) {
            return Integer.toString(r.scenario().concurrency());
        }
        return r.settledConcurrency() > 0 ? "auto: " + r.settledConcurrency() : "auto";
    }

    private static String check(RunResult r) {
        String check = r.sound() ? "ok" : String.join("; ", r.problems());
        return r.noisy() ? check + ", noisy" : check;
    }

    private static List<String> targets(List<RunResult> results) {
        List<String> lines = new ArrayList<>();
        Optional<RunResult> a = find(results, "a");
        Optional<RunResult> e = find(results, "e");
        a.ifPresent(r -> lines.add(format("(a) efficiency >= 0.95: %.3f, %s",
                r.stats().efficiency(), verdict(r.stats().efficiency() >= 0.95))));
        if (a.isPresent() && e.isPresent()) {
            lines.add(ratio("(a) PromptBatch <= 1.02x the thread pool, first request to last answer",
                    a.get(), e.get(), r -> r.stats().activeNanos(), 1.02));
            lines.add(ratio("(a) PromptBatch <= 1.02x the thread pool, wall time (start-up included)",
                    a.get(), e.get(), r -> r.measurement().wallNanos(), 1.02));
        }
        List<RunResult> heavy = results.stream().filter(r -> r.scenario().letter() == 'a'
                || r.scenario().letter() == 'b').toList();
        if (heavy.size() > 1) {
            lines.add("(b) efficiency by concurrency: " + String.join(", ", heavy.stream()
                    .map(r -> format("%d: %.3f (%.1f s)", r.scenario().concurrency(), r.stats().efficiency(),
                            RunResult.seconds(r.stats().activeNanos())))
                    .toList()));
        }
        find(results, "c").ifPresent(r -> lines.add(format(
                "(c) >= 2,000 records/s on 2 cores: %,.0f records/s on %d cores shared with the simulator "
                        + "(%.3f ms CPU per record), %s", r.recordsPerSecond(),
                Runtime.getRuntime().availableProcessors(), r.cpuMillisPerRecord(),
                verdict(r.recordsPerSecond() >= 2000))));
        memoryTargets(find(results, "d-small"), find(results, "d-large"), lines);
        closingTargets(find(results, "f"), a, lines);
        find(results, "g").ifPresent(r -> busyTargets(r, lines));
        find(results, "h").ifPresent(h -> autoTargets(h, a, lines));
        results.stream().filter(r -> r.scenario().letter() == 'i').forEach(r -> lines.add(format(
                "(i) >= 2,000 records/s once warm, job repository %s: %,.0f records/s over the second half of the "
                        + "output (%,.0f over the whole run), %s",
                r.scenario().postgres() ? "on PostgreSQL" : "in HSQLDB", r.warmRecordsPerSecond(),
                r.recordsPerSecond(), verdict(r.warmRecordsPerSecond() >= 2000))));
        if (results.stream().anyMatch(r -> !r.sound())) {
            lines.add("**Some runs are broken (see the check column): their figures do not count.**");
        }
        if (results.stream().anyMatch(RunResult::noisy)) {
            lines.add("**Other processes used the machine during runs marked noisy (other CPU s): rerun them on an "
                    + "idle machine.**");
        }
        return lines;
    }

    private static void memoryTargets(Optional<RunResult> small, Optional<RunResult> large, List<String> lines) {
        List<RunResult> runs = new ArrayList<>();
        small.ifPresent(runs::add);
        large.ifPresent(runs::add);
        if (runs.isEmpty()) {
            return;
        }
        long worst = runs.stream().mapToLong(r -> r.measurement().peakRssBytes()).max().orElseThrow();
        lines.add(format("(d) peak RSS <= 400 MiB: at most %.0f MiB, %s", worst / MIB, verdict(worst <= 400 * MIB)));
        if (small.isPresent() && large.isPresent()) {
            double rss = (double) large.get().measurement().peakRssBytes() / small.get().measurement().peakRssBytes();
            double live = (double) large.get().measurement().heap().maxAfterGcBytes()
                    / small.get().measurement().heap().maxAfterGcBytes();
            lines.add(format("(d) flat from %,d to %,d records (peak RSS grows <= %.0f%%): RSS x%.2f, "
                            + "live heap x%.2f, %s", small.get().scenario().records(),
                    large.get().scenario().records(), (FLAT_GROWTH - 1) * 100, rss, live,
                    verdict(rss <= FLAT_GROWTH)));
        }
    }

    /** f against a: the same records and server, but every connection closed after its response. */
    private static void closingTargets(Optional<RunResult> f, Optional<RunResult> a, List<String> lines) {
        if (f.isEmpty()) {
            return;
        }
        RunResult closing = f.get();
        lines.add(format("(f) efficiency >= 0.95: %.3f (%,d connections closed by the server), %s",
                closing.stats().efficiency(), closing.stats().closedConnections(),
                verdict(closing.stats().efficiency() >= 0.95)));
        if (a.isPresent()) {
            lines.add(ratio("(f) time <= 1.10x a's (the same run, connections kept), first request to last answer",
                    closing, a.get(), r -> r.stats().activeNanos(), 1.10));
            lines.add(ratio("(f) time <= 1.10x a's (the same run, connections kept), wall time",
                    closing, a.get(), r -> r.measurement().wallNanos(), 1.10));
        }
    }

    /** g: a server that answers 503 "server busy" beyond its queue; the ideal is its 2 slots kept busy. */
    private static void busyTargets(RunResult g, List<String> lines) {
        ServerStats stats = g.stats();
        lines.add(format("(g) efficiency >= 0.95 (ideal: slot-busy time over %d slots): %.3f, %s", stats.parallel(),
                stats.efficiency(), verdict(stats.efficiency() >= 0.95)));
        lines.add(format("(g) busy answers: %,d from the simulator, %,d requests in all for %,d records; "
                        + "PromptBatch said: %s", stats.busyAnswers(), stats.promptRequests(),
                g.scenario().records(), g.busyLine().isEmpty() ? "nothing about a busy server" : g.busyLine()));
    }

    /** h: concurrency: auto against a's 8-slot server; a ran with the slots' 8, the level auto should find. */
    private static void autoTargets(RunResult h, Optional<RunResult> a, List<String> lines) {
        int settled = h.settledConcurrency();
        int slots = h.stats().parallel();
        lines.add(format("(h) settled at the slots, %d +- 1 (or %d, twice the slots, when that gives no more "
                        + "throughput): %s; PromptBatch said: %s, %s", slots, 2 * slots,
                settled > 0 ? Integer.toString(settled) : "not in the manifest",
                h.settledLine().isEmpty() ? "nothing about settling" : h.settledLine(),
                verdict(Math.abs(settled - slots) <= 1 || settled == 2 * slots)));
        if (a.isPresent()) {
            double ratio = h.stats().efficiency() / a.get().stats().efficiency();
            lines.add(format("(h) efficiency >= 0.9x a's (concurrency 8 set by hand): %.3f against %.3f, %.3fx, %s",
                    h.stats().efficiency(), a.get().stats().efficiency(), ratio, verdict(ratio >= 0.9)));
        } else {
            lines.add(format("(h) efficiency: %.3f (run a beside it to judge >= 0.9x a's)",
                    h.stats().efficiency()));
        }
    }

    private static String ratio(String target, RunResult measured, RunResult yardstick,
                                ToDoubleFunction<RunResult> time, double limit) {
        double ratio = time.applyAsDouble(measured) / time.applyAsDouble(yardstick);
        return format("%s: %.3fx (%.1f s vs %.1f s), %s", target, ratio,
                time.applyAsDouble(measured) / 1e9, time.applyAsDouble(yardstick) / 1e9, verdict(ratio <= limit));
    }

    private static Optional<RunResult> find(List<RunResult> results, String id) {
        return results.stream().filter(r -> r.scenario().id().equals(id)).findFirst();
    }

    private static String verdict(boolean met) {
        return met ? "**met**" : "**missed**";
    }

    private static String format(String pattern, Object... values) {
        return String.format(Locale.ROOT, pattern, values);
    }
}

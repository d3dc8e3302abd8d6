import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Runs a child JVM to its end and measures it: wall time, CPU time, peak RSS, and heap from its GC log. The
 * harness samples /proc every 100 ms; it reads a few small files per sample, so it takes next to nothing from the
 * two cores the child and the simulator share.
 */
final class MeasuredProcess {

    private static final long SAMPLE_MILLIS = 100;

    /** CPU time of the child at a System.nanoTime mark. */
    record Sample(long atNanos, long cpuNanos) {
    }

    /**
     * @param startNanos System.nanoTime just before the child started (CLOCK_MONOTONIC, like the simulator's marks)
     * @param endNanos   System.nanoTime once it had exited
     * @param cpuNanos   user plus system CPU time of the child over its whole life
     */
    record Measurement(int exitCode, boolean timedOut, long startNanos, long endNanos, long cpuNanos,
                       long peakRssBytes, Heap heap, List<Sample> samples) {

        long wallNanos() {
            return endNanos - startNanos;
        }

        /** CPU time spent between two marks, interpolated between the samples around them. */
        long cpuBetween(long fromNanos, long toNanos) {
            return cpuAt(toNanos) - cpuAt(fromNanos);
        }

        private long cpuAt(long nanos) {
            Sample before = new Sample(startNanos, 0);
            for (Sample after : samples) {
                if (after.atNanos() >= nanos) {
                    double share = after.atNanos() == before.atNanos()
                            ? 1 : (double) (nanos - before.atNanos()) / (after.atNanos() - before.atNanos());
                    return before.cpuNanos() + Math.round(share * (after.cpuNanos() - before.cpuNanos()));
                }
                before = after;
            }
            return cpuNanos; // past the last sample: the whole life's CPU
        }
    }

    private MeasuredProcess() {
    }

    /** The java launcher of the JDK running the harness, so that every process runs on the same JDK. */
    static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * Runs {@code java JVM_OPTIONS -Xlog:... ARGUMENTS} in {@code dir}, its stdout and stderr to files there.
     *
     * @param jvmOptions options for the child JVM ahead of the benchmark's GC logging, e.g. -Xmx
     */
    static Measurement run(List<String> jvmOptions, List<String> arguments, Path dir, Duration timeout)
            throws IOException, InterruptedException {
        return run(jvmOptions, arguments, Map.of(), dir, timeout);
    }

    /** As above, with variables added to the child's environment (a job database's user, for one). */
    static Measurement run(List<String> jvmOptions, List<String> arguments, Map<String, String> environment,
                           Path dir, Duration timeout) throws IOException, InterruptedException {
        Path gcLog = dir.resolve("gc.log");
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.addAll(jvmOptions);
        command.add("-Xlog:gc,gc+heap+exit:file=" + gcLog + "::filecount=0"); // no rotation: keep every pause
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectOutput(dir.resolve("stdout.txt").toFile())
                .redirectError(dir.resolve("stderr.txt").toFile());
        builder.environment().putAll(environment);

        long childrenCpuBefore = ProcFs.waitedChildrenCpuNanos();
        long start = System.nanoTime();
        Process process = builder.start();
        List<Sample> samples = new ArrayList<>();
        long peakRss = 0;
        boolean timedOut = false;
        do {
            OptionalLong rss = ProcFs.peakRssBytes(process.pid());
            OptionalLong cpu = ProcFs.cpuNanos(process.pid());
            long now = System.nanoTime();
            peakRss = Math.max(peakRss, rss.orElse(0));
            cpu.ifPresent(nanos -> samples.add(new Sample(now, nanos)));
            if (now - start > timeout.toNanos()) {
                timedOut = true;
                process.destroyForcibly();
            }
        } while (!process.waitFor(SAMPLE_MILLIS, TimeUnit.MILLISECONDS));
        long end = System.nanoTime();

        long cpuTotal = ProcFs.waitedChildrenCpuNanos() - childrenCpuBefore;
        if (cpuTotal <= 0 && !samples.isEmpty()) {
            cpuTotal = samples.get(samples.size() - 1).cpuNanos(); // no /proc/self/stat: the last sample
        }
        return new Measurement(process.exitValue(), timedOut, start, end, cpuTotal, peakRss, Heap.parse(gcLog),
                List.copyOf(samples));
    }
}

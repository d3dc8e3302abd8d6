import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Linux /proc: the dependency-free way to see another process's memory and CPU time. */
final class ProcFs {

    /** USER_HZ, the unit of /proc CPU times, is 100 on every Linux architecture Java runs on. */
    private static final long NANOS_PER_TICK = 10_000_000;

    // Fields of /proc/PID/stat, counted from the state field (field 3), the first after the "(comm)".
    private static final int UTIME = 14 - 3;
    private static final int STIME = 15 - 3;
    private static final int CUTIME = 16 - 3;
    private static final int CSTIME = 17 - 3;

    private ProcFs() {
    }

    /** VmHWM: the most resident memory the process has had so far; empty once it has exited. */
    static OptionalLong peakRssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return OptionalLong.of(Long.parseLong(line.replaceAll("\\D", "")) * 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process has gone between two samples
        }
        return OptionalLong.empty();
    }

    /** User plus system CPU time of every thread of the process; empty once it has exited. */
    static OptionalLong cpuNanos(long pid) {
        try {
            String[] fields = statFields(Path.of("/proc", Long.toString(pid), "stat"));
            return OptionalLong.of((Long.parseLong(fields[UTIME]) + Long.parseLong(fields[STIME])) * NANOS_PER_TICK);
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * CPU time of this process's children that have exited and been waited for. Its growth across one child's run
     * is that child's exact CPU time, which sampling would miss for the child's last moments.
     */
    static long waitedChildrenCpuNanos() {
        try {
            String[] fields = statFields(Path.of("/proc/self/stat"));
            return (Long.parseLong(fields[CUTIME]) + Long.parseLong(fields[CSTIME])) * NANOS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return 0; // not Linux: MeasuredProcess falls back to its samples
        }
    }

    /**
     * CPU time the whole machine spent busy (every process, kernel included), from the "cpu" line of /proc/stat:
     * user, nice, system, irq, softirq and steal. Its growth over a run, less the client's and the simulator's,
     * is what other processes took from the same cores.
     */
    static long machineBusyNanos() {
        try {
            String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int field : new int[] {1, 2, 3, 6, 7, 8}) {
                busy += Long.parseLong(fields[field]);
            }
            return busy * NANOS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static String[] statFields(Path stat) throws IOException {
        String text = Files.readString(stat);
        // The command name may hold spaces and parentheses; it ends at the last ')'.
        return text.substring(text.lastIndexOf(')') + 2).trim().split(" ");
    }
}

import java.util.List;

/**
 * One scenario's figures: the child process's own (wall, CPU, memory) and the simulator's record of the same run.
 *
 * @param nominalIdealNanos the ideal from the answers' own durations ({@link Outputs#nominalSlotNanos}) over the
 *                          slots; 0 for instant answers
 * @param simulatorCpuNanos CPU time the simulator spent during the run, taken from the same cores
 * @param otherCpuNanos     CPU time the rest of the machine spent during the run: other processes, the kernel,
 *                          the hypervisor's steal, the harness
 * @param busyLine          the client's own "Server busy: ..." line from its stdout; empty if it printed none
 * @param problems          why the run does not count (a non-zero exit, missing output lines, repeated requests);
 *                          empty if it is sound
 * @param settledConcurrency with {@code concurrency: auto}, the level the manifest's first server ran with; 0
 *                          otherwise, or if the manifest does not say
 * @param settledLine       with {@code concurrency: auto}, PromptBatch's "Concurrency for ... settled at" log line;
 *                          empty if it logged none
 * @param warmRecordsPerSecond records/s of the second half of the output, the client warm; NaN if not measured
 */
record RunResult(Scenario scenario, MeasuredProcess.Measurement measurement, ServerStats stats,
                 long nominalIdealNanos, long simulatorCpuNanos, long otherCpuNanos, String busyLine,
                 List<String> problems, int settledConcurrency, String settledLine, double warmRecordsPerSecond) {

    boolean sound() {
        return problems.isEmpty();
    }

    /** Other processes took more than a tenth of a core on average: the figures may be off, rerun when idle. */
    boolean noisy() {
        return otherCpuNanos > measurement.wallNanos() / 10;
    }

    /** From the child's start to the first request the simulator received: JVM, application and checks. */
    long startupNanos() {
        return stats.firstRequestNanos() - measurement.startNanos();
    }

    /** Records over the active time: the throughput once running, without the start-up. */
    double recordsPerSecond() {
        return scenario.records() / seconds(stats.activeNanos());
    }

    /** CPU time of the child while requests were going on, per record: start-up and shutdown excluded. */
    double cpuMillisPerRecord() {
        long cpu = measurement.cpuBetween(stats.firstRequestNanos(), stats.lastAnswerNanos());
        return cpu / 1e6 / scenario.records();
    }

    static double seconds(long nanos) {
        return nanos / 1e9;
    }
}

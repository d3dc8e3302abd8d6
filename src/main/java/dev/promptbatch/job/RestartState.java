package dev.promptbatch.job;

import java.util.Optional;

import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * The generate step's restart state, as its execution context keeps it, and the one owner of its keys: the reader and
 * the writer save it with every commit, the resume policy's lost-output check and {@code status} read it.
 *
 * <p>The key strings are stored in job databases. Changing one would make a run recorded before the change start
 * over, or resume without the check that the answers committed to its files are still there.
 */
final class RestartState {
    private static final String HANDED_OVER = "generation.handed-over";
    private static final String FAILED = "generation.failed";
    private static final String RECORDS = "generation.records";
    /** The keys Spring Batch's file writers used for a file's committed length. */
    private static final String OUTPUT_BYTES = "output.current.count";

    private static final String ERRORS_BYTES = "errors.current.count";
    private static final String ANSWERS = "output.written";
    private static final String FAILURES = "errors.written";

    private RestartState() {}

    /**
     * What the reader handed to committed chunks: units of work done (records of a generate job, batches of an embed
     * job), the records in them and how many of those failed. A database written before embed jobs has no record
     * count: its units were records.
     */
    record Read(long handedOver, long records, long failed) {
        /** Nothing read yet, in a step that never committed. */
        static Read in(ExecutionContext context) {
            long handedOver = context.getLong(HANDED_OVER, 0L);
            return new Read(handedOver, context.getLong(RECORDS, handedOver), context.getLong(FAILED, 0L));
        }

        void saveIn(ExecutionContext context) {
            context.putLong(HANDED_OVER, handedOver);
            // Kept only where units are batches, so that a generate job's context stays as earlier versions read it.
            if (records != handedOver) {
                context.putLong(RECORDS, records);
            } else {
                context.remove(RECORDS);
            }
            context.putLong(FAILED, failed);
        }
    }

    /** What the writer committed: the output's and the errors file's lengths in bytes, and their lines. */
    record Written(long outputBytes, long errorsBytes, long answers, long failures) {
        /** Empty when the step never committed: its files are started afresh. */
        static Optional<Written> in(ExecutionContext context) {
            if (!context.containsKey(OUTPUT_BYTES)) {
                return Optional.empty();
            }
            return Optional.of(new Written(
                    context.getLong(OUTPUT_BYTES),
                    context.getLong(ERRORS_BYTES, 0L),
                    context.getLong(ANSWERS, 0L),
                    context.getLong(FAILURES, 0L)));
        }

        void saveIn(ExecutionContext context) {
            context.putLong(OUTPUT_BYTES, outputBytes);
            context.putLong(ERRORS_BYTES, errorsBytes);
            context.putLong(ANSWERS, answers);
            context.putLong(FAILURES, failures);
        }
    }
}

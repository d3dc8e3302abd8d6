package dev.promptbatch.spec;

/**
 * {@code max-failures}: how many records may fail for good before the run fails. A count, or a percentage of the
 * records done so far (judged once {@link #SAMPLE} records are done, so that one early failure does not count as
 * 100%, and at the end on every record), or {@link #UNLIMITED}.
 */
public record ErrorBudget(long count, double percent) {
    public static final ErrorBudget UNLIMITED = new ErrorBudget(Long.MAX_VALUE, 100);
    static final long SAMPLE = 20;

    public static ErrorBudget count(long count) {
        return new ErrorBudget(count, 100);
    }

    public static ErrorBudget percent(double percent) {
        return new ErrorBudget(Long.MAX_VALUE, percent);
    }

    /** Whether {@code failed} failures among {@code done} records are more than the budget allows. */
    public boolean exceeded(long failed, long done, boolean finished) {
        if (failed > count) {
            return true;
        }
        return done > 0 && (finished || done >= SAMPLE) && failed * 100.0 / done > percent;
    }

    @Override
    public String toString() {
        if (this.equals(UNLIMITED)) {
            return "unlimited";
        }
        if (count != Long.MAX_VALUE) {
            return String.valueOf(count);
        }
        return (percent % 1 == 0 ? String.valueOf((long) percent) : String.valueOf(percent)) + "%";
    }
}

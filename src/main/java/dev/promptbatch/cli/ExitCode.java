package dev.promptbatch.cli;

/** Every exit code of {@code promptbatch}, as README's "Exit codes" lists them: cron relies on them. */
public final class ExitCode {
    /** Done: a run completed (or was already complete), a check passed, two runs' answers are identical. */
    public static final int OK = 0;
    /** A run failed, resumably; or an unexpected failure. */
    public static final int FAILED = 1;
    /** {@code diff}: some answers differ or are in one run only. */
    public static final int DIFFERENT = 1;
    /** Nothing was run: bad usage, spec, input, server or model, or a refusal whose message says why. */
    public static final int NOTHING_RUN = 2;
    /** A run completed, but some records failed for good: they are in the errors file. */
    public static final int COMPLETED_WITH_FAILURES = 3;
    /** A run stopped by SIGINT after finishing the requests in flight, resumably (128 + 2). */
    public static final int STOPPED_BY_SIGINT = 130;
    /** A run stopped by SIGTERM after finishing the requests in flight, resumably (128 + 15). */
    public static final int STOPPED_BY_SIGTERM = 143;

    private ExitCode() {}
}

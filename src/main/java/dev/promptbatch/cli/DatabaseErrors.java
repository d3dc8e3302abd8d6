package dev.promptbatch.cli;

import java.nio.file.Path;

/** Recognises HSQLDB's refusal to open a file database that another process holds. */
final class DatabaseErrors {
    private DatabaseErrors() {
    }

    /** A message for the user if the failure is the database lock, else null. */
    static String lockMessage(Throwable failure, Path database) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            String message = cause.getMessage();
            if (message != null && message.contains("lock acquisition failure")) {
                return "the job database " + database + " is in use by another PromptBatch process; wait for it "
                        + "to finish, or pass --db to use another database";
            }
        }
        return null;
    }
}

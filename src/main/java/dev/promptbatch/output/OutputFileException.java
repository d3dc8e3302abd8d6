package dev.promptbatch.output;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * A file of a run's output could not be written, or is no longer the file the run was writing. The message names the
 * file and the cause.
 */
public class OutputFileException extends RuntimeException {
    private final boolean lost;

    OutputFileException(String message, boolean lost, Throwable cause) {
        super(message, cause);
        this.lost = lost;
    }

    /**
     * Whether answers already committed to the file are gone (it was deleted, replaced or cut short), so that the run
     * cannot be resumed; otherwise nothing committed is lost and the same command resumes once the cause is gone.
     */
    public boolean lost() {
        return lost;
    }

    /** The operating system's reason ("No space left on device"), not the path the exception repeats. */
    public static String reason(IOException e) {
        if (e instanceof FileSystemException failure) {
            if (failure.getReason() != null) {
                return failure.getReason();
            }
            if (failure instanceof AccessDeniedException) {
                return "permission denied";
            }
            if (failure instanceof NoSuchFileException) {
                return "no such file or directory";
            }
        }
        return e.getMessage();
    }
}

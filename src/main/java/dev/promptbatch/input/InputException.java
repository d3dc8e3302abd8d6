package dev.promptbatch.input;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** An input file that cannot be read at all (missing, unreadable, no header): nothing runs. */
public class InputException extends RuntimeException {
    public InputException(String message) {
        super(message);
    }

    public InputException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The file could not be opened: the reason in words, since the JDK's message for a missing file is its path. */
    static InputException cannotOpen(Path file, IOException e) {
        String reason = e instanceof NoSuchFileException
                ? "no such file"
                : e instanceof AccessDeniedException ? "permission denied" : e.getMessage();
        return new InputException(file + ": cannot open: " + reason, e);
    }
}

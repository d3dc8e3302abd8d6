package dev.promptbatch.output;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Whether a file can be written where a run will write it, found out by trying as the run would, since permission
 * bits say nothing of a read-only file system and nothing at all to root: the folder is created, an existing file
 * opened for appending (which changes nothing), or a new file created and removed beside it.
 */
public final class WritableFiles {
    private WritableFiles() {}

    /** Why the file cannot be written, in a few words such as "read-only file system", or empty when it can. */
    public static Optional<String> problem(Path file) {
        if (Files.isDirectory(file)) {
            return Optional.of("it is a folder, not a file");
        }
        if (!Files.exists(file)) {
            return folderProblem(file.toAbsolutePath().getParent());
        }
        try {
            FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)
                    .close();
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(reason(e));
        }
    }

    /** Why a new file cannot be created in the folder, which is created if need be, or empty when it can. */
    public static Optional<String> folderProblem(Path folder) {
        try {
            Files.createDirectories(folder);
            Files.delete(Files.createTempFile(folder, ".promptbatch-", ".probe"));
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(reason(e));
        }
    }

    /** The operating system's reason, as in "No space left on device", starting in lower case to follow a colon. */
    public static String reason(IOException e) {
        String reason;
        if (e instanceof AccessDeniedException) {
            reason = "permission denied";
        } else if (e instanceof FileAlreadyExistsException exists) {
            reason = exists.getFile() + " is a file, not a folder";
        } else if (e instanceof FileSystemException failure && failure.getReason() != null) {
            reason = failure.getReason();
        } else {
            reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
        return reason.isEmpty() ? reason : Character.toLowerCase(reason.charAt(0)) + reason.substring(1);
    }
}

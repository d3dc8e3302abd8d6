package dev.promptbatch.cache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Removes the entries of an answer cache not used since a moment: neither written nor read (a hit sets an entry's
 * modification time), and the temporary files that a process killed while writing left behind. Only what the cache
 * itself makes is touched, in its layout ({@code DIR/ab/cd/}): a file or folder of another name stays, so that a
 * wrong directory loses nothing. Folders left empty are removed.
 *
 * <p>Safe while runs use the cache: a run may find an entry gone (its request is sent again) or, in the moment a
 * folder is removed, fail to keep one answer (one warning).
 */
public final class CachePruning {
    private static final Pattern HEX_PAIR = Pattern.compile("[0-9a-f]{2}");
    private static final Pattern ENTRY = Pattern.compile("[0-9a-f]{64}\\.json");
    private static final Pattern TEMPORARY = Pattern.compile("\\.[0-9a-f]{8}-[0-9a-z]+\\.tmp");

    private CachePruning() {}

    private static final class Tally {
        long removed;
        long removedBytes;
        long kept;
        long keptBytes;
        long removedTemporary;
    }

    /**
     * What a pruning did.
     *
     * @param removed          entries removed
     * @param removedBytes     their size
     * @param kept             entries kept
     * @param keptBytes        their size
     * @param removedTemporary temporary files removed
     */
    public record Result(long removed, long removedBytes, long kept, long keptBytes, long removedTemporary) {}

    /** Removes from {@code directory} the entries and temporary files last modified before {@code cutoff}. */
    public static Result prune(Path directory, Instant cutoff) {
        Tally tally = new Tally();
        try {
            for (Path first : folders(directory)) {
                for (Path second : folders(first)) {
                    try (DirectoryStream<Path> files = Files.newDirectoryStream(second)) {
                        for (Path file : files) {
                            prune(file, cutoff, tally);
                        }
                    }
                    removeIfEmpty(second);
                }
                removeIfEmpty(first);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Result(tally.removed, tally.removedBytes, tally.kept, tally.keptBytes, tally.removedTemporary);
    }

    private static void prune(Path file, Instant cutoff, Tally tally) throws IOException {
        String name = file.getFileName().toString();
        boolean entry = ENTRY.matcher(name).matches();
        if (!entry && !TEMPORARY.matcher(name).matches()) {
            return;
        }
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return; // renamed into place, or removed, by another process meanwhile
        }
        if (!attributes.isRegularFile()) {
            return;
        }
        boolean old = attributes.lastModifiedTime().toInstant().isBefore(cutoff);
        if (old && !Files.deleteIfExists(file)) {
            return;
        }
        if (!entry) {
            tally.removedTemporary += old ? 1 : 0;
        } else if (old) {
            tally.removed++;
            tally.removedBytes += attributes.size();
        } else {
            tally.kept++;
            tally.keptBytes += attributes.size();
        }
    }

    /** The folders of the cache's layout in a folder: two lowercase hex digits each. */
    private static List<Path> folders(Path parent) throws IOException {
        List<Path> folders = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(parent)) {
            for (Path child : children) {
                if (HEX_PAIR.matcher(child.getFileName().toString()).matches()
                        && Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
                    folders.add(child);
                }
            }
        }
        folders.sort(null);
        return folders;
    }

    private static void removeIfEmpty(Path folder) throws IOException {
        try {
            Files.deleteIfExists(folder);
        } catch (DirectoryNotEmptyException e) {
            // kept: it holds entries, or files that are not the cache's
        }
    }
}

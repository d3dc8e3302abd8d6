package dev.promptbatch.cache;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

import dev.promptbatch.ollama.ChatRequest;
import dev.promptbatch.ollama.ModelRequest;
import dev.promptbatch.outcome.GenerateResponse;

/**
 * Answers to deterministic requests kept on disk, so that the same request is not sent twice: in one run, in a new
 * run of the same job, or in another job sharing the directory.
 *
 * <p>A request is deterministic when it sets a seed or a temperature of 0. Its key is the SHA-256 of the key format,
 * the endpoint, the model's digest and the request's body; a model whose digest is not known (or differs between
 * servers) is not cached, since a changed model must not give yesterday's answers. One file per key, at
 * {@code DIR/ab/cd/KEY.json}, a small JSON with a {@code version} field: written to a temporary file beside it and
 * renamed, so that a reader, another thread or another process sharing the directory sees a whole entry or none. Two
 * writers of one key write the same answer; the last rename wins.
 *
 * <p>A hit sets the entry's modification time: it says when the entry was last used, for {@link CachePruning}.
 *
 * <p>An entry that does not parse, is cut short, holds another key or comes from another format version is never
 * trusted: it is ignored (its request is sent and the entry written again), with one warning per run. A cache that
 * cannot be written is a warning too, once; the run goes on without it.
 */
public final class AnswerCache {
    private static final Logger log = LoggerFactory.getLogger(AnswerCache.class);

    /** The version of an entry's layout; an entry of another is ignored. */
    public static final int FORMAT_VERSION = 1;

    /** The request body as the key sees it: map entries sorted, so that equal requests have one key. */
    private static final JsonMapper KEY_JSON = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** An answer as the cache keeps it: the server's response, and the latency, attempts and server it took. */
    public record Entry(GenerateResponse response, long latencyMs, int attempts, String server) {}

    /** A request's place in the cache: the hex SHA-256 of what identifies it. */
    public record Key(String hex) {}

    private final Path directory;
    private final Clock clock;
    private final Map<String, String> digests = new ConcurrentHashMap<>();
    private final AtomicBoolean warnedUnreadable = new AtomicBoolean();
    private final AtomicBoolean warnedUnwritable = new AtomicBoolean();
    private final AtomicLong ignored = new AtomicLong();

    /** @param directory where the entries are, or null for a cache that keeps nothing */
    public AnswerCache(Path directory) {
        this(directory, Clock.systemUTC());
    }

    /** @param clock when an entry found was used */
    public AnswerCache(Path directory, Clock clock) {
        this.directory = directory;
        this.clock = clock;
    }

    /** Where the entries are, or null for none. */
    public Path directory() {
        return directory;
    }

    /**
     * Sets the digest of each model the run uses, as the checks before it found them; a model left out, or with an
     * empty digest, is not cached.
     */
    public void useDigests(Map<String, String> byModel) {
        digests.clear();
        byModel.forEach((model, digest) -> {
            if (digest != null && !digest.isEmpty()) {
                digests.put(model, digest);
            }
        });
    }

    /** Whether a request with these options always gets the same answer: a seed, or a temperature of 0. */
    public static boolean deterministic(Map<String, Object> options) {
        if (options == null) {
            return false;
        }
        return options.get("seed") instanceof Number
                || options.get("temperature") instanceof Number temperature && temperature.doubleValue() == 0;
    }

    /**
     * The request's key, or empty when its answer is not cached: it is not deterministic, or its model's digest is
     * not known. The endpoint is the request's kind ({@code generate} or {@code chat}), so that equal bodies to two
     * endpoints have two keys.
     */
    public Optional<Key> keyFor(ModelRequest request) {
        String digest = digests.get(request.model());
        if (directory == null || digest == null || !deterministic(request.options())) {
            return Optional.empty();
        }
        String endpoint = request instanceof ChatRequest ? "chat" : "generate";
        return Optional.of(key(endpoint, digest, KEY_JSON.writeValueAsBytes(request)));
    }

    static Key key(String endpoint, String digest, byte[] body) {
        MessageDigest sha = sha256();
        sha.update(("promptbatch-cache " + FORMAT_VERSION + "\n" + endpoint + "\n" + digest + "\n")
                .getBytes(StandardCharsets.UTF_8));
        sha.update(body);
        return new Key(HexFormat.of().formatHex(sha.digest()));
    }

    /** The file of a key: two levels of directories from its first four hex digits. */
    Path fileOf(Key key) {
        String hex = key.hex();
        return directory
                .resolve(hex.substring(0, 2))
                .resolve(hex.substring(2, 4))
                .resolve(hex + ".json");
    }

    /** The stored answer of a key, or empty when there is none, or none to trust. */
    public Optional<Entry> find(Key key) {
        Path file = fileOf(key);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return unusable(file, "cannot be read: " + e.getMessage());
        }
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JacksonException e) {
            return unusable(file, "is not whole JSON");
        }
        if (root == null || !root.isObject()) {
            return unusable(file, "is not a JSON object");
        }
        JsonNode version = root.path("version");
        if (!version.isInt() || version.asInt() != FORMAT_VERSION) {
            return unusable(
                    file,
                    "is of format version " + (version.isMissingNode() ? "(none)" : version.toString()) + ", not "
                            + FORMAT_VERSION);
        }
        if (!key.hex().equals(root.path("key").asString(""))) {
            return unusable(file, "holds another key");
        }
        JsonNode response = root.path("response");
        JsonNode latency = root.path("latency_ms");
        JsonNode attempts = root.path("attempts");
        if (!response.isObject()
                || !response.path("response").isString()
                || !latency.isIntegralNumber()
                || !attempts.isInt()
                || attempts.asInt() < 1) {
            return unusable(file, "lacks a field of an answer");
        }
        Entry entry;
        try {
            entry = new Entry(
                    JSON.treeToValue(response, GenerateResponse.class),
                    latency.asLong(),
                    attempts.asInt(),
                    root.path("server").isString() ? root.path("server").asString() : null);
        } catch (JacksonException e) {
            return unusable(file, "holds an answer that does not read: " + e.getOriginalMessage());
        }
        markUsed(file);
        return Optional.of(entry);
    }

    /**
     * Sets the entry's modification time to now, so that {@link CachePruning} keeps the entries still used. Where the
     * file system does not let this reader change it (another user's entry), the entry keeps the time it was written.
     */
    private void markUsed(Path file) {
        try {
            Files.setLastModifiedTime(file, FileTime.from(clock.instant()));
        } catch (IOException e) {
            log.debug("could not mark {} used: {}", file, e.getMessage());
        }
    }

    /** Keeps an answer under its key: a whole file or, when that fails, nothing. */
    public void store(Key key, Entry entry) {
        Path file = fileOf(key);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", FORMAT_VERSION);
        root.put("key", key.hex());
        root.put("response", entry.response());
        root.put("latency_ms", entry.latencyMs());
        root.put("attempts", entry.attempts());
        root.put("server", entry.server());
        Path temporary = null;
        try {
            byte[] bytes = JSON.writeValueAsBytes(root);
            temporary = temporaryFor(file, key);
            try {
                write(temporary, bytes);
            } catch (NoSuchFileException e) {
                // The folder is not there yet, or a pruning removed it as empty just now.
                Files.createDirectories(file.getParent());
                write(temporary, bytes);
            }
            try {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
            temporary = null;
        } catch (IOException | RuntimeException e) {
            if (warnedUnwritable.compareAndSet(false, true)) {
                log.warn(
                        "Cannot write to the cache at {} ({}): answers are not cached (warned once)",
                        directory,
                        e.getMessage());
            }
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException e) {
                    log.debug("could not delete {}: {}", temporary, e.getMessage());
                }
            }
        }
    }

    /**
     * Not {@link Files#createTempFile}, whose owner-only permissions would hide the entry from the other users of a
     * shared directory: a new file as the umask makes it.
     */
    private static void write(Path temporary, byte[] bytes) throws IOException {
        Files.write(temporary, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    /**
     * A file name beside the entry that no other writer picks: {@code .KEYSTART-RANDOM.tmp}, hidden, and left behind
     * only by a process that dies while it writes.
     */
    private static Path temporaryFor(Path file, Key key) {
        return file.resolveSibling("." + key.hex().substring(0, 8) + "-"
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
    }

    /** How many entries were found but not trusted. */
    public long ignored() {
        return ignored.get();
    }

    private Optional<Entry> unusable(Path file, String why) {
        ignored.incrementAndGet();
        if (warnedUnreadable.compareAndSet(false, true)) {
            log.warn(
                    "Ignoring a cache entry that cannot be trusted: {} {}; its request is sent and the entry written"
                            + " again (any further such entries are ignored without a warning)",
                    file,
                    why);
        } else {
            log.debug("ignoring cache entry {}: {}", file, why);
        }
        return Optional.empty();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

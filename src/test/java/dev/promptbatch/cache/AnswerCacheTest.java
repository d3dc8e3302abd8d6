package dev.promptbatch.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.promptbatch.cli.LogCapture;
import dev.promptbatch.ollama.ChatRequest;
import dev.promptbatch.ollama.GenerateRequest;
import dev.promptbatch.outcome.GenerateResponse;

class AnswerCacheTest {
    private static final String MODEL = "llama3.2:3b";
    private static final GenerateResponse RESPONSE =
            new GenerateResponse("Forty-two.", null, "stop", 12L, 3L, 900L, 100L, 200L, 300L);
    private static final AnswerCache.Entry ENTRY = new AnswerCache.Entry(RESPONSE, 17, 2, "http://gpu1:11434");

    @TempDir
    Path dir;

    private AnswerCache cache() {
        AnswerCache cache = new AnswerCache(dir);
        cache.useDigests(Map.of(MODEL, "sha256:aaaa"));
        return cache;
    }

    private static GenerateRequest request(String prompt, Map<String, Object> options) {
        return new GenerateRequest(MODEL, prompt, null, options, null, null, null, null);
    }

    @Test
    void aStoredAnswerIsFoundUnderTheSameRequestInAnotherInstanceInATwoLevelHashDirectory() throws IOException {
        AnswerCache.Key key = cache().keyFor(request("Hi", Map.of("seed", 42))).orElseThrow();
        cache().store(key, ENTRY);

        assertThat(cache().find(cache().keyFor(request("Hi", Map.of("seed", 42)))
                        .orElseThrow()))
                .contains(ENTRY);
        Path file = dir.resolve(key.hex().substring(0, 2))
                .resolve(key.hex().substring(2, 4))
                .resolve(key.hex() + ".json");
        assertThat(Files.readString(file)).startsWith("{\"version\":1,\"key\":\"" + key.hex() + "\",\"response\":");
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.filter(Files::isRegularFile)).containsExactly(file);
        }
    }

    @Test
    void anEntryIsAsReadableAsAnyNewFileSoThatOtherUsersOfASharedDirectoryReadIt() throws IOException {
        AnswerCache.Key key = cache().keyFor(request("Hi", Map.of("seed", 42))).orElseThrow();
        cache().store(key, ENTRY);

        Path entry = cache().fileOf(key);
        Path other = Files.createFile(dir.resolve("any-new-file"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(entry)))
                .isEqualTo(PosixFilePermissions.toString(Files.getPosixFilePermissions(other)));
        try (Stream<Path> files = Files.list(entry.getParent())) {
            assertThat(files).containsExactly(entry);
        }
    }

    @Test
    void aHitMarksTheEntryUsedAtTheClocksTimeForPruning() throws IOException {
        AnswerCache.Key key = cache().keyFor(request("Hi", Map.of("seed", 42))).orElseThrow();
        cache().store(key, ENTRY);
        Path entry = cache().fileOf(key);
        Instant written = Instant.parse("2026-10-01T02:00:00Z");
        Files.setLastModifiedTime(entry, FileTime.from(written));
        Instant tonight = Instant.parse("2026-12-01T02:00:00Z");
        AnswerCache atTonight = new AnswerCache(dir, Clock.fixed(tonight, ZoneOffset.UTC));
        atTonight.useDigests(Map.of(MODEL, "sha256:aaaa"));

        assertThat(atTonight.find(key)).contains(ENTRY);
        assertThat(Files.getLastModifiedTime(entry).toInstant()).isEqualTo(tonight);

        long size = Files.size(entry);
        assertThat(CachePruning.prune(dir, tonight.minus(Duration.ofDays(30))))
                .isEqualTo(new CachePruning.Result(0, 0, 1, size, 0));
        assertThat(CachePruning.prune(dir, tonight.plusSeconds(1)))
                .isEqualTo(new CachePruning.Result(1, size, 0, 0, 0));
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void anAnswerIsStillKeptWhenAPruningRemovedItsEmptyFolderJustBefore() throws IOException {
        AnswerCache cache = cache();
        AnswerCache.Key first = cache.keyFor(request("Hi", Map.of("seed", 42))).orElseThrow();
        cache.store(first, ENTRY);
        Path folder = cache.fileOf(first).getParent();
        Files.delete(cache.fileOf(first));
        Files.delete(folder);
        Files.delete(folder.getParent());

        try (LogCapture log = new LogCapture()) {
            cache.store(first, ENTRY);
            assertThat(log.text()).isEmpty();
        }
        assertThat(cache.find(first)).contains(ENTRY);
    }

    @Test
    void theKeyIsTheBodyTheEndpointAndTheDigestAndOptionOrderDoesNotMatter() {
        AnswerCache cache = cache();
        Map<String, Object> oneOrder = new LinkedHashMap<>();
        oneOrder.put("seed", 42);
        oneOrder.put("temperature", 0.7);
        Map<String, Object> otherOrder = new LinkedHashMap<>();
        otherOrder.put("temperature", 0.7);
        otherOrder.put("seed", 42);
        AnswerCache.Key key = cache.keyFor(request("Hi", oneOrder)).orElseThrow();

        assertThat(cache.keyFor(request("Hi", otherOrder))).contains(key);
        assertThat(cache.keyFor(request("Hi!", oneOrder))).get().isNotEqualTo(key);
        assertThat(cache.keyFor(request("Hi", Map.of("seed", 43)))).get().isNotEqualTo(key);
        ChatRequest chat = new ChatRequest(
                MODEL, List.of(new ChatRequest.Message("user", "Hi", null)), oneOrder, null, null, null);
        assertThat(cache.keyFor(chat)).get().isNotEqualTo(key);
        cache.useDigests(Map.of(MODEL, "sha256:bbbb"));
        assertThat(cache.keyFor(request("Hi", oneOrder))).get().isNotEqualTo(key);
    }

    @Test
    void onlyDeterministicRequestsOfAModelWithAKnownDigestHaveAKey() {
        AnswerCache cache = cache();
        assertThat(cache.keyFor(request("Hi", Map.of("seed", 1)))).isPresent();
        assertThat(cache.keyFor(request("Hi", Map.of("temperature", 0)))).isPresent();
        assertThat(cache.keyFor(request("Hi", Map.of("temperature", 0.0)))).isPresent();
        assertThat(cache.keyFor(request("Hi", Map.of("temperature", 0.7)))).isEmpty();
        assertThat(cache.keyFor(request("Hi", Map.of()))).isEmpty();
        assertThat(cache.keyFor(request("Hi", null))).isEmpty();
        assertThat(cache.keyFor(new GenerateRequest("other", "Hi", null, Map.of("seed", 1), null, null, null, null)))
                .isEmpty();
        cache.useDigests(Map.of(MODEL, ""));
        assertThat(cache.keyFor(request("Hi", Map.of("seed", 1)))).isEmpty();
        AnswerCache none = new AnswerCache(null);
        none.useDigests(Map.of(MODEL, "sha256:aaaa"));
        assertThat(none.keyFor(request("Hi", Map.of("seed", 1)))).isEmpty();
    }

    @Test
    void corruptTruncatedForeignOrMisplacedEntriesAreIgnoredWithOneWarning() throws IOException {
        AnswerCache writer = cache();
        List<AnswerCache.Key> keys = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            AnswerCache.Key key =
                    writer.keyFor(request("p" + i, Map.of("seed", 1))).orElseThrow();
            writer.store(key, ENTRY);
            keys.add(key);
        }
        String whole = Files.readString(writer.fileOf(keys.get(0)));
        Files.writeString(writer.fileOf(keys.get(0)), whole.substring(0, whole.length() / 2));
        Files.write(writer.fileOf(keys.get(1)), new byte[] {0, (byte) 0xff, 17, 3});
        Files.writeString(writer.fileOf(keys.get(2)), whole.replace("\"version\":1", "\"version\":2"));
        Files.writeString(writer.fileOf(keys.get(3)), whole);
        Files.writeString(writer.fileOf(keys.get(4)), "[]");
        Files.writeString(writer.fileOf(keys.get(5)), "");
        Files.writeString(
                writer.fileOf(keys.get(6)),
                whole.replace("\"attempts\":2", "\"attempts\":0")
                        .replace(keys.get(0).hex(), keys.get(6).hex()));

        AnswerCache reader = cache();
        try (LogCapture log = new LogCapture()) {
            for (AnswerCache.Key key : keys.subList(0, 7)) {
                assertThat(reader.find(key)).as(key.hex()).isEmpty();
            }
            assertThat(reader.ignored()).isEqualTo(7);
            assertThat(log.text().lines().filter(line -> line.startsWith("WARN")))
                    .singleElement()
                    .satisfies(line -> assertThat(line)
                            .startsWith("WARN Ignoring a cache entry that cannot be trusted: "
                                    + reader.fileOf(keys.get(0)) + " is not whole JSON;"));
        }
        reader.store(keys.get(2), ENTRY);
        assertThat(reader.find(keys.get(2))).contains(ENTRY);
    }

    @Test
    void manyThreadsWritingAndReadingOneKeySeeWholeEntriesOnly() throws Exception {
        AnswerCache cache = cache();
        AnswerCache.Key key = cache.keyFor(request("Hi", Map.of("seed", 42))).orElseThrow();
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Integer>> found = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                found.add(pool.submit(() -> {
                    start.await();
                    int hits = 0;
                    for (int i = 0; i < 200; i++) {
                        cache.store(key, ENTRY);
                        if (cache.find(key).orElseThrow().equals(ENTRY)) {
                            hits++;
                        }
                    }
                    return hits;
                }));
            }
            start.countDown();
            for (Future<Integer> hits : found) {
                assertThat(hits.get()).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(cache.ignored()).isZero();
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.filter(Files::isRegularFile)
                            .map(p -> p.getFileName().toString()))
                    .containsExactly(key.hex() + ".json");
        }
    }

    @Test
    void aCacheThatCannotBeWrittenIsOneWarningAndNoEntry() throws IOException {
        Path blocked = dir.resolve("blocked");
        Files.writeString(blocked, "a file where the cache's directory should be", StandardCharsets.UTF_8);
        AnswerCache cache = new AnswerCache(blocked);
        cache.useDigests(Map.of(MODEL, "sha256:aaaa"));
        AnswerCache.Key key = cache.keyFor(request("Hi", Map.of("seed", 42))).orElseThrow();
        try (LogCapture log = new LogCapture()) {
            cache.store(key, ENTRY);
            cache.store(key, ENTRY);
            assertThat(log.text().lines())
                    .singleElement()
                    .satisfies(line -> assertThat(line).startsWith("WARN Cannot write to the cache at " + blocked));
        }
        assertThat(cache.find(key)).isEmpty();
    }
}

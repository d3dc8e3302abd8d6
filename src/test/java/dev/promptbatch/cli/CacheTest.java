package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import dev.promptbatch.simulator.Fault;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/** The answer cache end to end: the CLI in this JVM, the simulator on loopback, the cache on disk. */
class CacheTest {
    private static final String MODEL = "llama3.2:3b";
    /** A size as the console shows it. */
    private static final String SIZE = "[0-9.,]+ (bytes|KiB)";

    @RegisterExtension
    final SimulatorExtension simulated =
            SimulatorExtension.startedWith(SimulatorTestSettings.instant().withModels(List.of(MODEL)));

    @TempDir
    Path dir;

    private OllamaSimulator simulator;
    private JobFixture job;

    @Test
    void aNewRunAndAnotherJobAreAnsweredFromTheCacheWithoutARequestAndTheSameOutput() {
        job.numberedRecords("input/r.csv", 20);
        spec("j", "options: {seed: 42, temperature: 0.7}\n");

        assertThat(job.run("run", "jobs/j.yaml", "--cache")).as(job.err).isZero();
        List<JsonNode> first = job.jsonLines("output/j.jsonl");
        assertThat(first)
                .hasSize(20)
                .allSatisfy(r -> assertThat(r.get("cached").asBoolean()).isFalse());
        assertThat(sent()).isEqualTo(20);
        assertThat(job.out).doesNotContain("cached:");

        simulator.stats().reset();
        assertThat(job.run("run", "jobs/j.yaml", "--new-run", "--cache"))
                .as(job.err)
                .isZero();
        assertThat(simulator.stats().generateRequests()).isZero();
        List<JsonNode> second = job.jsonLines("output/j.jsonl");
        assertThat(second)
                .allSatisfy(r -> assertThat(r.get("cached").asBoolean()).isTrue());
        assertThat(withoutCached(second)).isEqualTo(withoutCached(first));
        assertThat(job.out).contains("cached: 20 of the 20 answers came from the cache, without a request");

        spec("other", "options: {temperature: 0.7, seed: 42}\n");
        assertThat(job.run("run", "jobs/other.yaml", "--cache=.promptbatch/cache"))
                .as(job.err)
                .isZero();
        assertThat(simulator.stats().generateRequests()).isZero();
        assertThat(withoutCached(job.jsonLines("output/other.jsonl"))).isEqualTo(withoutCached(first));
    }

    @Test
    void ofAThousandRecordsOnlyTheTwentyChangedAreSent() {
        job.numberedRecords("input/r.csv", 1_000);
        spec("nightly", "options: {temperature: 0}\ncache: true\n");
        assertThat(job.run("run", "jobs/nightly.yaml")).as(job.err).isZero();
        assertThat(sent()).isEqualTo(1_000);

        StringBuilder changed = new StringBuilder("n,text\n");
        for (int n = 1; n <= 1_000; n++) {
            changed.append(n)
                    .append(",record ")
                    .append(n)
                    .append(n % 50 == 0 ? " changed" : "")
                    .append('\n');
        }
        job.write("input/r.csv", changed.toString());
        simulator.stats().reset();
        assertThat(job.run("run", "jobs/nightly.yaml", "--new-run")).as(job.err).isZero();

        Map<String, Integer> sent = simulator.stats().requestsByPrompt();
        sent.remove("");
        assertThat(sent)
                .isEqualTo(IntStream.rangeClosed(1, 20)
                        .boxed()
                        .collect(Collectors.toMap(i -> "record " + i * 50 + " changed", i -> 1)));
        List<JsonNode> output = job.jsonLines("output/nightly.jsonl");
        assertThat(output).hasSize(1_000);
        assertThat(output.stream().filter(r -> !r.get("cached").asBoolean()))
                .extracting(r -> r.get("id").asInt())
                .containsExactlyElementsOf(
                        IntStream.rangeClosed(1, 20).map(i -> i * 50).boxed().toList());
        assertThat(job.out).contains("cached: 980 of the 1000 answers came from the cache");
        assertThat(dir.resolve(".promptbatch/cache")).isDirectory();
    }

    @Test
    void unseededRequestsAreNeverCachedButTemperatureZeroIs() throws IOException {
        job.numberedRecords("input/r.csv", 6);
        spec("j", "options: {temperature: 0.7}\n");
        assertThat(job.run("run", "jobs/j.yaml", "--cache")).as(job.err).isZero();
        simulator.stats().reset();
        assertThat(job.run("run", "jobs/j.yaml", "--new-run", "--cache"))
                .as(job.err)
                .isZero();
        assertThat(IntStream.rangeClosed(1, 6).map(n -> simulator.stats().requestsForPrompt("record " + n)))
                .containsOnly(1);
        assertThat(job.jsonLines("output/j.jsonl"))
                .allSatisfy(r -> assertThat(r.get("cached").asBoolean()).isFalse());
        assertThat(entries()).isEmpty();

        spec("j", "options: {temperature: 0}\n");
        assertThat(job.run("run", "jobs/j.yaml", "--new-run", "--cache"))
                .as(job.err)
                .isZero();
        assertThat(entries()).hasSize(6);
        simulator.stats().reset();
        assertThat(job.run("run", "jobs/j.yaml", "--new-run", "--cache"))
                .as(job.err)
                .isZero();
        assertThat(simulator.stats().generateRequests()).isZero();
    }

    @Test
    void failuresAreNotCachedAndAreSentAgain() throws IOException {
        job.numberedRecords("input/r.csv", 6);
        spec("j", "options: {seed: 7}\nretry: {max-attempts: 2, initial-backoff: 1ms, max-backoff: 2ms}\n");
        simulator.faults().failWhen(request -> request.prompt().equals("record 4"), Fault.INTERNAL_ERROR);
        simulator.faults().failWhen(request -> request.prompt().equals("record 5"), Fault.PROMPT_TOO_LONG);
        assertThat(job.run("run", "jobs/j.yaml", "--cache")).as(job.err).isEqualTo(3);
        assertThat(job.jsonLines("output/j.errors.jsonl"))
                .extracting(r -> r.get("id").asString() + " " + r.get("kind").asString())
                .containsExactly("4 retries-exhausted", "5 rejected");
        assertThat(entries()).hasSize(4);

        simulator.faults().clear();
        simulator.stats().reset();
        assertThat(job.run("run", "jobs/j.yaml", "--new-run", "--cache"))
                .as(job.err)
                .isZero();
        Map<String, Integer> sent = simulator.stats().requestsByPrompt();
        sent.remove("");
        assertThat(sent).isEqualTo(Map.of("record 4", 1, "record 5", 1));
        assertThat(job.jsonLines("output/j.jsonl"))
                .extracting(r -> r.get("id").asInt() + " " + r.get("cached").asBoolean())
                .containsExactly("1 true", "2 true", "3 true", "4 false", "5 false", "6 true");
        assertThat(dir.resolve("output/j.errors.jsonl")).doesNotExist();
    }

    @Test
    void aCacheFilledWithGarbageIsOneWarningEveryRequestSentAndTheSameOutput() throws IOException {
        job.numberedRecords("input/r.csv", 12);
        spec("j", "options: {seed: 3}\ncache: true\n");
        assertThat(job.run("run", "jobs/j.yaml")).as(job.err).isZero();
        List<JsonNode> first = job.jsonLines("output/j.jsonl");
        List<Path> entries = entries();
        assertThat(entries).hasSize(12);
        String[] garbage = {
            "", "{", "\u0000\u00ff\u0013", "[]", "{\"version\":99}", "null", "{\"version\":1,\"key\":\"nope\"}"
        };
        for (int i = 0; i < entries.size(); i++) {
            String whole = Files.readString(entries.get(i));
            Files.writeString(
                    entries.get(i), i < garbage.length ? garbage[i] : whole.substring(0, whole.length() - 1 - i));
        }
        Path cache = dir.resolve(".promptbatch/cache");
        Files.writeString(cache.resolve("README"), "not an entry");
        Files.createDirectories(cache.resolve("zz/zz"));
        Files.writeString(cache.resolve("zz/zz/.tmp-123.tmp"), "{\"version\":1");

        simulator.stats().reset();
        try (LogCapture log = new LogCapture()) {
            assertThat(job.run("run", "jobs/j.yaml", "--new-run")).as(job.err).isZero();
            assertThat(log.text().lines().filter(line -> line.contains("cache")))
                    .singleElement()
                    .satisfies(line ->
                            assertThat(line).startsWith("WARN Ignoring a cache entry that cannot be trusted: "));
        }
        assertThat(sent()).isEqualTo(12);
        List<JsonNode> second = job.jsonLines("output/j.jsonl");
        assertThat(second)
                .allSatisfy(r -> assertThat(r.get("cached").asBoolean()).isFalse());
        assertThat(responses(second)).isEqualTo(responses(first));

        simulator.stats().reset();
        assertThat(job.run("run", "jobs/j.yaml", "--new-run")).as(job.err).isZero();
        assertThat(simulator.stats().generateRequests()).isZero();
        assertThat(job.jsonLines("output/j.jsonl"))
                .allSatisfy(r -> assertThat(r.get("cached").asBoolean()).isTrue());
    }

    @Test
    void csvOutputHasACachedColumn() {
        job.numberedRecords("input/r.csv", 3);
        job.write(
                "jobs/c.yaml",
                "name: c\ninput: input/r.csv\nid-field: n\nmodel: " + MODEL + "\nprompt: \"{{text}}\"\n"
                        + "output: output/c.csv\noptions: {seed: 1}\ncache: cache-dir\n");
        assertThat(job.run("run", "jobs/c.yaml")).as(job.err).isZero();
        assertThat(job.run("run", "jobs/c.yaml", "--new-run")).as(job.err).isZero();
        assertThat(job.csvRows("output/c.csv"))
                .extracting(row -> row.get("id") + " " + row.get("cached"))
                .containsExactly("1 true", "2 true", "3 true");
        assertThat(dir.resolve("cache-dir")).isDirectory();
    }

    @Test
    void aBatchFileRunAgainWithTheCacheSendsNothingAndSaysCachedInEachLinesPromptbatchObject() {
        StringBuilder requests = new StringBuilder();
        for (int n = 1; n <= 6; n++) {
            String body = n % 2 == 0
                    ? "{\"model\": \"" + MODEL + "\", \"seed\": 9, \"messages\": [{\"role\": \"user\", \"content\":"
                            + " \"question " + n + "\"}]}"
                    : "{\"model\": \"" + MODEL + "\", \"temperature\": 0, \"prompt\": \"prompt " + n + "\"}";
            requests.append("{\"custom_id\": \"req-" + n + "\", \"method\": \"POST\", \"url\": \"/v1/"
                    + (n % 2 == 0 ? "chat/completions" : "completions") + "\", \"body\": " + body + "}\n");
        }
        job.write("requests.jsonl", requests.toString());

        assertThat(batch("--cache")).as(job.err).isZero();
        assertThat(simulator.stats().chatRequests()).isEqualTo(3);
        assertThat(sent()).isEqualTo(6);
        List<JsonNode> first = job.jsonLines("out/results.jsonl");
        assertThat(first)
                .extracting(r -> r.get("custom_id").asString() + " "
                        + r.get("promptbatch").get("cached"))
                .containsExactly(
                        "req-1 false", "req-2 false", "req-3 false", "req-4 false", "req-5 false", "req-6 false");

        simulator.stats().reset();
        assertThat(batch("--new-run", "--cache")).as(job.err).isZero();
        assertThat(simulator.stats().generateRequests()).isZero();
        assertThat(simulator.stats().chatRequests()).isZero();
        assertThat(simulator.stats().embedRequests()).isZero();
        List<JsonNode> second = job.jsonLines("out/results.jsonl");
        assertThat(second)
                .allSatisfy(r -> assertThat(r.get("promptbatch").get("cached").asBoolean())
                        .isTrue());
        assertThat(asFirstWritten(second)).isEqualTo(asFirstWritten(first));
        assertThat(job.out).contains("cached: 6 of the 6 answers came from the cache, without a request");
    }

    @Test
    void pruneRemovesTheAnswersNoRunUsedForThatLongAndTheLeftoversOfCutWritesAndNothingElse() throws IOException {
        job.numberedRecords("input/r.csv", 10);
        spec("j", "options: {seed: 5}\ncache: true\n");
        assertThat(job.run("run", "jobs/j.yaml")).as(job.err).isZero();
        Path cache = dir.resolve(".promptbatch/cache");
        FileTime longAgo = FileTime.from(Instant.now().minus(Duration.ofDays(40)));
        for (Path entry : entries()) {
            Files.setLastModifiedTime(entry, longAgo);
        }
        Path entryFolder = entries().get(0).getParent();
        Path leftover = Files.writeString(entryFolder.resolve(".0123abcd-k3j2h1.tmp"), "{\"version\":1");
        Files.setLastModifiedTime(leftover, longAgo);
        Path notes = Files.writeString(cache.resolve("notes.txt"), "kept");
        Path foreign = Files.writeString(entryFolder.resolve("mine.json"), "kept");
        Files.setLastModifiedTime(notes, longAgo);
        Files.setLastModifiedTime(foreign, longAgo);
        Path emptyFolder = Files.createDirectories(cache.resolve("ff/ee"));

        // Records 7 to 10 change: 6 answers are used again (a hit marks them used), 4 new ones are written.
        StringBuilder changed = new StringBuilder("n,text\n");
        for (int n = 1; n <= 10; n++) {
            changed.append(n)
                    .append(",record ")
                    .append(n)
                    .append(n > 6 ? " changed" : "")
                    .append('\n');
        }
        job.write("input/r.csv", changed.toString());
        assertThat(job.run("run", "jobs/j.yaml", "--new-run")).as(job.err).isZero();
        assertThat(entries()).hasSize(14);

        assertThat(job.runAsIs("cache", "prune", "--unused-for", "30d"))
                .as(job.err)
                .isZero();
        assertThat(job.out)
                .matches("Removed 4 answers not used for 30d \\(" + SIZE + "\\); kept 10 answers \\(" + SIZE
                        + "\\) in \\.promptbatch/cache\\.\\nRemoved 1 temporary file of writes cut short\\.\\n");
        assertThat(entries()).hasSize(10);
        assertThat(leftover).doesNotExist();
        assertThat(emptyFolder.getParent()).doesNotExist();
        assertThat(notes).hasContent("kept");
        assertThat(foreign).hasContent("kept");
        simulator.stats().reset();
        assertThat(job.run("run", "jobs/j.yaml", "--new-run")).as(job.err).isZero();
        assertThat(simulator.stats().generateRequests()).isZero();

        assertThat(job.runAsIs("cache", "prune", ".promptbatch/cache", "--unused-for", "12h"))
                .as(job.err)
                .isZero();
        assertThat(job.out).startsWith("Removed 0 answers not used for 12h (0 bytes); kept 10 answers");
        assertThat(job.runAsIs("cache", "prune", "--unused-for", "30 days")).isEqualTo(2);
        assertThat(job.err)
                .isEqualTo("promptbatch: --unused-for: expected days or hours such as 30d or 12h, got '30 days'\n");
        assertThat(job.runAsIs("cache", "prune", "elsewhere", "--unused-for", "30d"))
                .isEqualTo(2);
        assertThat(job.err).isEqualTo("promptbatch: cache prune: no cache at " + dir.resolve("elsewhere") + "\n");
        assertThat(entries()).hasSize(10);
    }

    /** The requests that asked for a record's answer: all but the warm-up that loads the model, which asks nothing. */
    private int sent() {
        return simulator.stats().requestsByPrompt().entrySet().stream()
                .filter(e -> !e.getKey().isEmpty())
                .mapToInt(Map.Entry::getValue)
                .sum();
    }

    private void spec(String name, String extra) {
        job.write(
                "jobs/" + name + ".yaml",
                "name: " + name + "\ninput: input/r.csv\nid-field: n\nmodel: " + MODEL + "\nprompt: \"{{text}}\"\n"
                        + "output: output/" + name + ".jsonl\nconcurrency: 4\n" + extra);
    }

    private List<Path> entries() throws IOException {
        Path cache = dir.resolve(".promptbatch/cache");
        if (!Files.exists(cache)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(cache)) {
            return files.filter(f -> f.getFileName().toString().matches("[0-9a-f]{64}\\.json"))
                    .sorted()
                    .toList();
        }
    }

    private static List<String> withoutCached(List<JsonNode> records) {
        return records.stream()
                .map(r -> {
                    ObjectNode copy = ((ObjectNode) r).deepCopy();
                    copy.remove("cached");
                    return copy.toString();
                })
                .toList();
    }

    private int batch(String... options) {
        List<String> all = new ArrayList<>(List.of("batch", "-i", "requests.jsonl", "-o", "out/results.jsonl"));
        all.addAll(List.of(options));
        all.addAll(List.of(
                "--base-url",
                job.server.toString(),
                "--db",
                dir.resolve("state/db").toString()));
        return job.runAsIs(all.toArray(String[]::new));
    }

    /** OpenAI Batch output lines without what differs in a line answered from the cache: when and {@code cached}. */
    private static List<String> asFirstWritten(List<JsonNode> lines) {
        return lines.stream()
                .map(line -> {
                    ObjectNode copy = ((ObjectNode) line).deepCopy();
                    ((ObjectNode) copy.get("response").get("body")).remove("created");
                    ((ObjectNode) copy.get("promptbatch")).remove("cached");
                    return copy.toString();
                })
                .toList();
    }

    private static List<String> responses(List<JsonNode> records) {
        return records.stream()
                .map(r -> r.get("id").asString() + " " + r.get("response").asString())
                .toList();
    }
}

package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;

import dev.promptbatch.simulator.Fault;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.ServerQuirks;
import dev.promptbatch.simulator.SimulatorTestSettings;

/** {@code images}: files and base64 sent with each record, bad images as bad records, vision checked, resume guarded. */
class ImagesTest {
    private static final String VISION = "llava:7b";
    private static final String TEXT_ONLY = "llama3.2:3b";
    private static final int IMAGE_TOKENS = 768;

    @RegisterExtension
    final SimulatorExtension simulated =
            SimulatorExtension.startedWith(SimulatorTestSettings.instant().withModels(List.of(VISION, TEXT_ONLY)));

    @TempDir
    Path dir;

    private OllamaSimulator simulator;
    private JobFixture job;

    @Test
    void imagesGoWithTheirRecordsAndAMissingOrOversizedFileIsABadRecordNamingIt() throws IOException {
        byte[] mug = bytes(700, 1);
        byte[] bowl = bytes(60, 2);
        image("photos/mug.png", mug);
        image("photos/plate.png", bytes(2048, 3));
        String inlineBowl = Base64.getEncoder().encodeToString(bowl);
        job.write(
                "input/items.csv",
                "id,text,photo\n"
                        + "1,red mug,photos/mug.png\n"
                        + "2,blue cup,photos/gone.png\n"
                        + "3,big plate,photos/plate.png\n"
                        + "4,green bowl," + inlineBowl + "\n"
                        + "5,white jug,\n");
        job.write("jobs/i.yaml", """
                name: items
                input: input/items.csv
                id-field: id
                model: llava:7b
                prompt: "Describe {{text}}"
                images: [photo]
                max-image-size: 1KiB
                options: {seed: 7}
                output: output/i.jsonl
                concurrency: 2
                """);

        assertThat(job.run("run", "jobs/i.yaml")).isEqualTo(ExitCode.COMPLETED_WITH_FAILURES);

        List<JsonNode> output = job.jsonLines("output/i.jsonl");
        assertThat(output).extracting(r -> r.get("id").asString()).containsExactly("1", "4", "5");
        assertThat(output)
                .extracting(r -> r.get("prompt_eval_count").asInt())
                .containsExactly(3 + IMAGE_TOKENS, 3 + IMAGE_TOKENS, 3);
        assertThat(output.get(0).get("response").asString())
                .isEqualTo(expectedResponse(
                        "Describe red mug", List.of(Base64.getEncoder().encodeToString(mug))));
        assertThat(output.get(1).get("response").asString())
                .isEqualTo(expectedResponse("Describe green bowl", List.of(inlineBowl)));
        assertThat(output.get(2).get("response").asString()).isEqualTo(expectedResponse("Describe white jug", null));
        assertThat(output.get(0).get("response").asString()).isNotEqualTo(expectedResponse("Describe red mug", null));

        List<JsonNode> errors = job.jsonLines("output/i.errors.jsonl");
        assertThat(errors).extracting(e -> e.get("id").asString()).containsExactly("2", "3");
        assertThat(errors).extracting(e -> e.get("kind").asString()).containsOnly("bad-record");
        assertThat(errors).extracting(e -> e.get("attempts").asInt()).containsOnly(0);
        assertThat(errors)
                .extracting(e -> e.get("message").asString())
                .containsExactly(
                        "field 'photo': image file photos/gone.png does not exist",
                        "field 'photo': image file photos/plate.png is 2048 bytes, more than max-image-size (1024 bytes)");
        assertThat(simulator.stats().requestsForPrompt("Describe blue cup")).isZero();
        assertThat(simulator.stats().requestsForPrompt("Describe big plate")).isZero();
        JsonNode shown = JobFixture.JSON
                .readTree(dir.resolve("output/i.manifest.json").toFile())
                .get("spec");
        assertThat(shown.get("images").toString()).isEqualTo("[\"photo\"]");
        assertThat(shown.get("max-image-size").asLong()).isEqualTo(1024);
    }

    @Test
    void aChatJobSendsTheImagesWithItsLastUserMessage() throws IOException {
        byte[] mug = bytes(700, 1);
        image("photos/mug.png", mug);
        job.write("input/items.csv", "id,text,photo\n1,red mug,photos/mug.png\n2,white jug,\n");
        job.write("jobs/c.yaml", """
                name: chat-items
                input: input/items.csv
                id-field: id
                endpoint: chat
                model: llava:7b
                messages:
                  - {role: system, content: "You describe products."}
                  - {role: user, content: "Describe {{text}}"}
                images: [photo]
                options: {seed: 7}
                output: output/c.jsonl
                """);

        assertThat(job.run("run", "jobs/c.yaml")).isEqualTo(ExitCode.OK);

        List<JsonNode> output = job.jsonLines("output/c.jsonl");
        assertThat(output).extracting(r -> r.get("id").asString()).containsExactly("1", "2");
        String mugImage = Base64.getEncoder().encodeToString(mug);
        assertThat(output.get(0).get("response").asString())
                .isEqualTo(expectedChatResponse("Describe red mug", List.of(mugImage)));
        assertThat(output.get(1).get("response").asString())
                .isEqualTo(expectedChatResponse("Describe white jug", null));
        assertThat(output.get(0).get("response").asString())
                .isNotEqualTo(expectedChatResponse("Describe red mug", null));
        assertThat(output.get(0).get("prompt_eval_count").asInt() - IMAGE_TOKENS)
                .isEqualTo(output.get(1).get("prompt_eval_count").asInt());
    }

    @Test
    void imagesNamingAFieldNoJsonLinesRecordHasIsAWarningBeforeTheRunAndInValidate() {
        image("photos/mug.png", bytes(100, 1));
        job.write("input/items.jsonl", """
                {"id":"1","text":"red mug","photo":"photos/mug.png"}
                {"id":"2","text":"white jug"}
                """);
        job.write("jobs/j.yaml", """
                name: items-jsonl
                input: input/items.jsonl
                id-field: id
                model: llava:7b
                prompt: "Describe {{text}}"
                images: [picture]
                output: output/j.jsonl
                """);
        String warning = "promptbatch: warning: no record of input/items.jsonl has a value in images [picture], so no "
                + "image is sent (field names are case-sensitive)";

        assertThat(job.runAsIs(
                        "validate",
                        "jobs/j.yaml",
                        "--base-url",
                        simulator.baseUrl().toString()))
                .isEqualTo(ExitCode.OK);
        assertThat(job.err).contains(warning);
        assertThat(job.run("run", "jobs/j.yaml")).isEqualTo(ExitCode.OK);
        assertThat(job.err).contains(warning);
        assertThat(job.jsonLines("output/j.jsonl"))
                .extracting(r -> r.get("prompt_eval_count").asInt())
                .containsExactly(3, 3);

        job.write("jobs/k.yaml", """
                name: items-jsonl-photo
                input: input/items.jsonl
                id-field: id
                model: llava:7b
                prompt: "Describe {{text}}"
                images: [photo]
                output: output/k.jsonl
                """);
        assertThat(job.run("run", "jobs/k.yaml")).isEqualTo(ExitCode.OK);
        assertThat(job.err).doesNotContain("warning");
        assertThat(job.jsonLines("output/k.jsonl"))
                .extracting(r -> r.get("prompt_eval_count").asInt())
                .containsExactly(3 + IMAGE_TOKENS, 3);
    }

    @Test
    void imagesForAModelThatCannotSeeAreExitTwoNamingTheModelAndServerBeforeAnyRequest() {
        image("photos/mug.png", bytes(100, 1));
        job.write("input/items.csv", "id,text,photo\n1,red mug,photos/mug.png\n");
        job.write("jobs/t.yaml", """
                name: text-only
                input: input/items.csv
                models: [llava:7b, llama3.2:3b]
                prompt: "Describe {{text}}"
                images: [photo]
                output: output/t.jsonl
                """);
        String problem = "model 'llama3.2:3b' on the server at " + simulator.baseUrl() + " cannot see images (its "
                + "capabilities: completion), so every request with images would be refused. Choose a vision model "
                + "such as llava, or remove images.";

        assertThat(job.run("run", "jobs/t.yaml")).isEqualTo(ExitCode.NOTHING_RUN);
        assertThat(job.err).contains(problem);
        assertThat(simulator.stats().requestsForPrompt("Describe red mug")).isZero();
        assertThat(Files.exists(dir.resolve("output/t.jsonl"))).isFalse();

        assertThat(job.runAsIs(
                        "validate",
                        "jobs/t.yaml",
                        "--base-url",
                        simulator.baseUrl().toString()))
                .isEqualTo(ExitCode.NOTHING_RUN);
        assertThat(job.out)
                .contains("  prompt: Describe red mug\n  images: 1 (136 characters of base64)\n")
                .contains("  " + problem + "\n")
                .endsWith("Not ready: see above.\n");
    }

    @Test
    void aServerWhoseModelListHasNoCapabilitiesIsAskedThroughApiShowAndOneThatSaysNothingIsWarnedAbout() {
        simulated.start(SimulatorTestSettings.instant()
                .withModels(List.of(VISION, TEXT_ONLY))
                .withQuirks(ServerQuirks.none().withNoTagsCapabilities(true)));
        image("photos/mug.png", bytes(100, 1));
        job.write("input/items.csv", "id,text,photo\n1,red mug,photos/mug.png\n");
        job.write("jobs/t.yaml", """
                name: shown
                input: input/items.csv
                model: llama3.2:3b
                prompt: "Describe {{text}}"
                images: [photo]
                output: output/t.jsonl
                """);
        job.write("jobs/v.yaml", """
                name: shown
                input: input/items.csv
                model: llava:7b
                prompt: "Describe {{text}}"
                images: [photo]
                output: output/v.jsonl
                """);

        assertThat(job.run("run", "jobs/t.yaml")).isEqualTo(ExitCode.NOTHING_RUN);
        assertThat(job.err)
                .contains("model 'llama3.2:3b' on the server at " + simulator.baseUrl() + " cannot see images (its "
                        + "capabilities: completion)");
        assertThat(job.runAsIs(
                        "validate",
                        "jobs/v.yaml",
                        "--base-url",
                        simulator.baseUrl().toString()))
                .isEqualTo(ExitCode.OK);
        assertThat(job.out).doesNotContain("warning").endsWith("Ready to run.\n");

        simulated.start(SimulatorTestSettings.instant()
                .withModels(List.of(VISION))
                .withQuirks(ServerQuirks.none().withNoTagsCapabilities(true).withNoShow(true)));
        assertThat(job.runAsIs(
                        "validate",
                        "jobs/v.yaml",
                        "--base-url",
                        simulator.baseUrl().toString()))
                .isEqualTo(ExitCode.OK);
        assertThat(job.out)
                .contains("  warning: the server at " + simulator.baseUrl() + " does not say what model 'llava:7b' "
                        + "can do (no capabilities in /api/tags or /api/show): whether it can see images shows with "
                        + "the first request.\n")
                .endsWith("Ready to run.\n");
        assertThat(job.run("run", "jobs/v.yaml")).isZero();
        assertThat(job.jsonLines("output/v.jsonl"))
                .extracting(r -> r.get("prompt_eval_count").asInt())
                .containsExactly(3 + IMAGE_TOKENS);
    }

    @Test
    void imagesNamingAColumnTheCsvLacksIsExitTwoNamingTheKey() {
        job.write("input/items.csv", "id,text,picture\n1,red mug,photos/mug.png\n");
        Path spec = job.write("jobs/c.yaml", """
                name: columns
                input: input/items.csv
                model: llava:7b
                prompt: "Describe {{text}}"
                images: [picture, photo]
                output: output/c.jsonl
                """);
        String expected = "promptbatch: " + spec + ": images names 'photo', but " + dir.resolve("input/items.csv")
                + " has no such column (columns: id, text, picture)\n";

        assertThat(job.run("run", "jobs/c.yaml")).isEqualTo(ExitCode.NOTHING_RUN);
        assertThat(job.err).isEqualTo(expected);
        assertThat(job.runAsIs(
                        "validate",
                        "jobs/c.yaml",
                        "--base-url",
                        simulator.baseUrl().toString()))
                .isEqualTo(ExitCode.NOTHING_RUN);
        assertThat(job.err).isEqualTo(expected);
        assertThat(simulator.stats().generateRequests()).isZero();
    }

    @Test
    void resumingAfterAnImageFileChangedIsRefusedAndResumesOnceItIsBack() throws IOException {
        StringBuilder csv = new StringBuilder("n,text,photo\n");
        for (int n = 1; n <= 20; n++) {
            image("photos/" + n + ".png", bytes(64, n));
            csv.append(n)
                    .append(",record ")
                    .append(n)
                    .append(",photos/")
                    .append(n)
                    .append(".png\n");
        }
        job.write("input/r.csv", csv.toString());
        job.write("jobs/r.yaml", """
                name: photos
                input: input/r.csv
                id-field: n
                model: llava:7b
                prompt: "{{text}}"
                images: [photo]
                output: output/r.jsonl
                concurrency: 1
                retry: {max-attempts: 1}
                max-outage: 1s
                """);
        simulator.faults().failWhen(request -> request.prompt().equals("record 12"), Fault.SERVICE_UNAVAILABLE);
        assertThat(job.run("run", "jobs/r.yaml")).isEqualTo(ExitCode.FAILED);
        assertThat(ids(job.jsonLines("output/r.jsonl"))).isEqualTo(range(1, 8));
        simulator.faults().clear();

        long sent = simulator.stats().generateRequests();
        image("photos/15.png", bytes(64, 99));
        assertThat(job.run("run", "jobs/r.yaml")).isEqualTo(ExitCode.NOTHING_RUN);
        assertThat(job.err)
                .contains("cannot resume photos: the image files that " + dir.resolve("input/r.csv")
                        + " names changed (SHA-256 over them was ")
                .contains("Run again with --new-run to start over.");
        assertThat(ids(job.jsonLines("output/r.jsonl"))).isEqualTo(range(1, 8));
        assertThat(simulator.stats().generateRequests()).isEqualTo(sent);

        image("photos/15.png", bytes(64, 15));
        assertThat(job.run("run", "jobs/r.yaml")).isZero();
        assertThat(ids(job.jsonLines("output/r.jsonl"))).isEqualTo(range(1, 20));
        assertThat(simulator.stats().requestsForPrompt("record 1")).isEqualTo(1);
    }

    /** What the simulator answers the job's request for this prompt and these images, asked directly. */
    private String expectedChatResponse(String userText, List<String> images) {
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("role", "user");
        user.put("content", userText);
        if (images != null) {
            user.put("images", images);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", VISION);
        body.put("messages", List.of(Map.of("role", "system", "content", "You describe products."), user));
        body.put("stream", false);
        body.put("options", Map.of("seed", 7));
        return post("/api/chat", body).get("message").get("content").asString();
    }

    private String expectedResponse(String prompt, List<String> images) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", VISION);
        body.put("prompt", prompt);
        body.put("stream", false);
        body.put("options", Map.of("seed", 7));
        if (images != null) {
            body.put("images", images);
        }
        return post("/api/generate", body).get("response").asString();
    }

    private JsonNode post(String path, Map<String, Object> body) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(simulator.baseUrl() + path))
                                    .POST(HttpRequest.BodyPublishers.ofString(JobFixture.JSON.writeValueAsString(body)))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            return JobFixture.JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void image(String name, byte[] content) {
        try {
            Path file = dir.resolve(name);
            Files.createDirectories(file.getParent());
            Files.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] bytes(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + seed * 7);
        }
        return bytes;
    }

    private static List<String> ids(List<JsonNode> records) {
        return records.stream().map(r -> r.get("id").asString()).toList();
    }

    private static List<String> range(int from, int to) {
        List<String> ids = new ArrayList<>();
        for (int n = from; n <= to; n++) {
            ids.add(String.valueOf(n));
        }
        return ids;
    }
}

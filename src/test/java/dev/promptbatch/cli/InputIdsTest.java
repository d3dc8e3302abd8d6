package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;

import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/** Record ids and empty inputs: repeated ids are warned about and told apart, empty inputs are one rule. */
class InputIdsTest {
    private static final String DUPLICATES_WARNING = "promptbatch: warning: input/d.jsonl: 2 records have the id "
            + "of an earlier record (id-field 'id'; ids compare as text, so 1 and \"1\" are one id): '1' on lines 1 "
            + "and 2, '2' on lines 3 and 5; each answer carries its input line, and diff matches repeated ids in "
            + "order of appearance\n";

    @RegisterExtension
    final SimulatorExtension simulated =
            SimulatorExtension.startedWith(SimulatorTestSettings.instant().withModels(List.of("llama3.2:3b")));

    @TempDir
    Path dir;

    private OllamaSimulator simulator;
    private JobFixture job;

    @Test
    void repeatedIdsAreWarnedAboutWithTheirLinesAndEveryAnswerCarriesItsInputLine() {
        writeRepeatedIdsJob();

        assertThat(job.runAsIs("validate", "jobs/d.yaml", "--simulator")).isZero();
        assertThat(job.err).isEqualTo(DUPLICATES_WARNING);
        assertThat(job.out).contains("Input input/d.jsonl: 5 records, 5 good, 0 bad");

        assertThat(job.run("run", "jobs/d.yaml")).isZero();
        assertThat(job.err).contains(DUPLICATES_WARNING);
        List<JsonNode> output = job.jsonLines("output/d.jsonl");
        assertThat(output)
                .extracting(r -> r.get("id").asString() + "@" + r.get("line").asLong())
                .containsExactly("1@1", "1@2", "2@3", "2@5", "3@6");
        assertThat(job.lines("output/d.jsonl").get(0))
                .startsWith("{\"id\":\"1\",\"line\":1,\"model\":\"llama3.2:3b\",\"server\":\"" + simulator.baseUrl()
                        + "\",");

        job.write(
                "jobs/c.yaml",
                "name: c\ninput: input/d.jsonl\nid-field: id\nmodel: llama3.2:3b\n"
                        + "prompt: \"{{q}}\"\noptions: {seed: 5}\noutput: output/d.csv\n");
        assertThat(job.run("run", "jobs/c.yaml")).isZero();
        assertThat(job.lines("output/d.csv").get(0)).startsWith("id,line,model,server,seed,response,");
        assertThat(job.csvRows("output/d.csv"))
                .extracting(r -> r.get("id") + "@" + r.get("line"))
                .containsExactly("1@1", "1@2", "2@3", "2@5", "3@6");
    }

    @Test
    void diffMatchesRepeatedIdsInOrderOfAppearanceAndSaysSo() throws IOException {
        writeRepeatedIdsJob();
        assertThat(job.run("run", "jobs/d.yaml")).isZero();
        String repeated = "repeated (id, model, seed, variant, repeat): 2 answers in A, %d in B; they are matched "
                + "in order of appearance\n";

        assertThat(job.runAsIs("diff", "output/d.jsonl", "output/d.jsonl")).isZero();
        assertThat(job.out)
                .isEqualTo("identical: 5, different: 0, only in A: 0, only in B: 0\n" + repeated.formatted(2));

        List<String> lines = job.lines("output/d.jsonl");
        List<JsonNode> answers = job.jsonLines("output/d.jsonl");
        String first = answers.get(0).get("response").asString();
        String second = answers.get(1).get("response").asString();
        int at = 0;
        while (first.charAt(at) == second.charAt(at)) {
            at++;
        }
        Files.write(
                dir.resolve("output/swapped.jsonl"),
                List.of(lines.get(1), lines.get(0), lines.get(2), lines.get(3), lines.get(4)));
        Files.write(dir.resolve("output/short.jsonl"), List.of(lines.get(0), lines.get(2), lines.get(3)));

        assertThat(job.runAsIs("diff", "output/d.jsonl", "output/swapped.jsonl"))
                .isEqualTo(1);
        assertThat(job.out)
                .isEqualTo("identical: 3, different: 2, only in A: 0, only in B: 0\n"
                        + repeated.formatted(2)
                        + "  different  id=1 model=llama3.2:3b seed=5, input line 1 in A, 2 in B: response differs from "
                        + "character " + (at + 1) + "\n"
                        + "  different  id=1 model=llama3.2:3b seed=5, input line 2 in A, 1 in B: response differs from "
                        + "character " + (at + 1) + "\n");
        assertThat(job.runAsIs("diff", "output/d.jsonl", "output/short.jsonl")).isEqualTo(1);
        assertThat(job.out)
                .isEqualTo("identical: 3, different: 0, only in A: 2, only in B: 0\n"
                        + repeated.formatted(1)
                        + "  only in A  id=1 model=llama3.2:3b seed=5, input line 2\n"
                        + "  only in A  id=3 model=llama3.2:3b seed=5, input line 6\n");
    }

    @Test
    void anEmptyInputOfAnyKindIsAWarningAndExitZero() throws IOException {
        Map<String, String> inputs = Map.of(
                "input/empty.csv",
                "",
                "input/header.csv",
                "fruit\r\n",
                "input/empty.jsonl",
                "",
                "input/blank.jsonl",
                "\n\n");
        for (Map.Entry<String, String> input : inputs.entrySet()) {
            job.write(input.getKey(), input.getValue());
            String name = Path.of(input.getKey()).getFileName().toString().replace('.', '-');
            job.write(
                    "jobs/e.yaml",
                    "name: " + name + "\ninput: " + input.getKey() + "\nmodel: llama3.2:3b\n"
                            + "prompt: \"{{fruit}}\"\noutput: output/" + name + ".jsonl\n");
            String warning = "promptbatch: warning: input " + input.getKey() + " has no records\n";

            assertThat(job.runAsIs("validate", "jobs/e.yaml", "--simulator"))
                    .as(input.getKey())
                    .isZero();
            assertThat(job.err).isEqualTo(warning);
            assertThat(job.out)
                    .contains("Input " + input.getKey() + ": 0 records")
                    .endsWith("Ready to run.\n");

            assertThat(job.run("run", "jobs/e.yaml")).as(input.getKey()).isZero();
            assertThat(job.err).contains(warning);
            assertThat(job.out).contains(name + " completed").contains("(0 answers)");
        }
        assertThat(simulator.stats().generateRequests()).isZero();
    }

    @Test
    void anEmptyOrNullIdIsReportedAsEmptyNotMissing() {
        job.write("input/i.jsonl", """
                {"id":"","q":"a"}
                {"id":null,"q":"b"}
                {"q":"c"}
                {"id":"  ","q":"d"}
                {"id":"e","q":"e"}
                """);
        job.write(
                "jobs/i.yaml",
                "name: i\ninput: input/i.jsonl\nid-field: id\nmodel: llama3.2:3b\n"
                        + "prompt: \"{{q}}\"\noutput: output/i.jsonl\n");

        assertThat(job.run("run", "jobs/i.yaml")).isEqualTo(3);

        assertThat(job.jsonLines("output/i.errors.jsonl"))
                .extracting(e -> e.get("line").asInt() + " " + e.get("message").asString())
                .containsExactly(
                        "1 the id-field 'id' is empty",
                        "2 the id-field 'id' is empty (null)",
                        "3 missing field 'id'",
                        "4 the id-field 'id' is empty");
        assertThat(job.jsonLines("output/i.jsonl"))
                .extracting(r -> r.get("id").asString())
                .containsExactly("e");
    }

    /** Input d.jsonl with the id 1 on lines 1 and 2 and the id 2 on lines 3 and 5, and the seeded job d over it. */
    private void writeRepeatedIdsJob() {
        job.write("input/d.jsonl", """
                {"id":1,"q":"one"}
                {"id":"1","q":"one again"}
                {"id":2,"q":"two"}

                {"id":2,"q":"two"}
                {"id":3,"q":"three"}
                """);
        job.write(
                "jobs/d.yaml",
                "name: d\ninput: input/d.jsonl\nid-field: id\nmodel: llama3.2:3b\n"
                        + "prompt: \"{{q}}\"\noptions: {seed: 5}\noutput: output/d.jsonl\n");
    }
}

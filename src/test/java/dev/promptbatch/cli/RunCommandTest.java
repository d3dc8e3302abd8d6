package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;

import dev.promptbatch.simulator.Fault;
import dev.promptbatch.simulator.OllamaSimulator;
import dev.promptbatch.simulator.SimulatorTestSettings;

/** {@code run} end to end: the CLI in this JVM, the simulator on loopback, real files. */
class RunCommandTest {
    private static final String MODEL = "llama3.2:3b";
    private static final Map<String, Object> OPTIONS = Map.of("seed", 42, "temperature", 0.7);

    @RegisterExtension
    final SimulatorExtension simulated =
            SimulatorExtension.startedWith(SimulatorTestSettings.instant().withModels(List.of(MODEL, "qwen2.5:7b")));

    @TempDir
    Path dir;

    private OllamaSimulator simulator;
    private JobFixture job;

    @Test
    void seededCsvJobWritesEveryAnswerInInputOrderWithStatisticsAndIncludedFields() {
        job.write("input/products.csv", """
                sku,name,category,features
                K-1,"Skillet 12"" cast iron",Kitchen,"pre-seasoned, oven safe"
                K-2,Crème brûlée torch,Kitchen,"butane
                adjustable flame"
                O-3,Zen 禅 tea set,Home,four cups
                """);
        job.write("jobs/p.yaml", """
                name: products
                input: input/products.csv
                id-field: sku
                model: llama3.2:3b
                system: You write copy.
                prompt: "Describe {{name}} ({{category}}): {{features}}"
                options: {seed: 42, temperature: 0.7}
                output: output/p.jsonl
                include: [name, category]
                concurrency: 2
                """);

        assertThat(job.run("run", "jobs/p.yaml")).isZero();

        List<JsonNode> output = job.jsonLines("output/p.jsonl");
        assertThat(output).extracting(r -> r.get("id").asString()).containsExactly("K-1", "K-2", "O-3");
        String[][] expected = {
            {"Skillet 12\" cast iron", "Kitchen", "pre-seasoned, oven safe"},
            {"Crème brûlée torch", "Kitchen", "butane\nadjustable flame"},
            {"Zen 禅 tea set", "Home", "four cups"}
        };
        for (int i = 0; i < 3; i++) {
            JsonNode answer = output.get(i);
            String prompt = "Describe " + expected[i][0] + " (" + expected[i][1] + "): " + expected[i][2];
            assertThat(simulator.stats().requestsForPrompt(prompt)).isEqualTo(1);
            assertThat(answer.get("response").asString())
                    .isEqualTo(job.expectedResponse(MODEL, "You write copy.", prompt, OPTIONS));
            assertThat(answer.get("model").asString()).isEqualTo(MODEL);
            assertThat(answer.get("seed").asInt()).isEqualTo(42);
            assertThat(answer.get("done_reason").asString()).isEqualTo("stop");
            assertThat(answer.get("attempts").asInt()).isEqualTo(1);
            for (String statistic : List.of(
                    "prompt_eval_count",
                    "eval_count",
                    "total_duration",
                    "load_duration",
                    "prompt_eval_duration",
                    "eval_duration",
                    "tokens_per_second",
                    "latency_ms")) {
                assertThat(answer.get(statistic).isNumber()).as(statistic).isTrue();
            }
            assertThat(answer.get("tokens_per_second").asDouble())
                    .isCloseTo(
                            answer.get("eval_count").asDouble()
                                    * 1e9
                                    / answer.get("eval_duration").asDouble(),
                            org.assertj.core.data.Offset.offset(0.01));
            assertThat(answer.get("input").toString())
                    .isEqualTo(JobFixture.JSON
                            .createObjectNode()
                            .put("name", expected[i][0])
                            .put("category", expected[i][1])
                            .toString());
        }
        assertThat(Files.exists(dir.resolve("output/p.errors.jsonl"))).isFalse();
        assertThat(job.out).contains("products completed").contains("Output: output/p.jsonl (3 answers)");
    }

    @Test
    void seededJsonLinesJobWithANestedFieldWritesCsvThatReadsBackExactly() {
        job.write("input/articles.jsonl", """
                {"id":"a1","title":"Rates, \\"finally\\", fall","source":{"name":"The Courier"},"body":"Line one.\\nLine two."}

                {"id":"a2","title":"Zoë Müller wins","source":{"name":"Le Quotidien"},"body":"Short."}
                """);
        job.write("jobs/n.yaml", """
                name: nightly
                input: input/articles.jsonl
                id-field: id
                model: llama3.2:3b
                prompt: "Summarise for {{source.name}}: {{title}}\\n{{body}}"
                options: {seed: 42, temperature: 0.7}
                output: output/n-${date}.csv
                include: [title, source.name]
                """);

        assertThat(job.run("run", "jobs/n.yaml", "--param", "date=2026-11-21")).isZero();

        List<Map<String, String>> rows = job.csvRows("output/n-2026-11-21.csv");
        assertThat(job.lines("output/n-2026-11-21.csv").get(0))
                .isEqualTo("id,line,model,server,seed,response,thinking,"
                        + "done_reason,prompt_eval_count,eval_count,total_duration,load_duration,prompt_eval_duration,"
                        + "eval_duration,tokens_per_second,tokens_per_second_source,latency_ms,attempts,input.title,"
                        + "input.source.name");
        assertThat(rows).extracting(r -> r.get("id")).containsExactly("a1", "a2");
        assertThat(rows).extracting(r -> r.get("line")).containsExactly("1", "3");
        assertThat(rows)
                .extracting(r -> r.get("server"))
                .containsOnly(simulator.baseUrl().toString());
        assertThat(rows.get(0).get("input.title")).isEqualTo("Rates, \"finally\", fall");
        assertThat(rows.get(1).get("input.title")).isEqualTo("Zoë Müller wins");
        assertThat(rows.get(0).get("input.source.name")).isEqualTo("The Courier");
        assertThat(rows.get(0).get("response"))
                .isEqualTo(job.expectedResponse(
                        MODEL,
                        null,
                        "Summarise for The Courier: Rates, \"finally\", fall\nLine one.\nLine two.",
                        OPTIONS));
        assertThat(rows.get(1).get("response"))
                .isEqualTo(job.expectedResponse(
                        MODEL, null, "Summarise for Le Quotidien: Zoë Müller wins\nShort.", OPTIONS));
        assertThat(rows.get(1).get("seed")).isEqualTo("42");
        assertThat(rows.get(1).get("thinking")).isEmpty();
    }

    @Test
    void badRecordsGoToTheErrorsFileWithTheirLinesAndEveryGoodRecordIsAnswered() {
        job.write(
                "input/items.jsonl",
                String.join(
                                "\n",
                                "{\"id\":\"1\",\"name\":\"good one\"}",
                                "{\"id\":\"2\"}",
                                "",
                                "{\"id\":\"3\",\"name\":\"   \"}",
                                "{\"id\":\"4\",\"name\": oops}",
                                "[\"not\",\"an\",\"object\"]",
                                "{\"id\":\"6\",\"name\":\"good two\"}")
                        + "\n");
        job.write("jobs/j.yaml", """
                name: items
                input: input/items.jsonl
                id-field: id
                model: llama3.2:3b
                prompt: "{{name}}"
                output: output/items.jsonl
                """);
        job.write("input/rows.csv", "id,name\n1,good\n2,\"never closed\n3,fine\n4,x,extra\n5,last\n");
        job.write("jobs/c.yaml", """
                name: rows
                input: input/rows.csv
                id-field: id
                model: llama3.2:3b
                prompt: "Say {{name}}"
                output: output/rows.jsonl
                """);

        assertThat(job.run("run", "jobs/j.yaml")).isEqualTo(3);
        assertThat(job.jsonLines("output/items.jsonl"))
                .extracting(r -> r.get("id").asString())
                .containsExactly("1", "6");
        assertThat(job.lines("output/items.errors.jsonl"))
                .containsExactly(
                        "{\"id\":\"2\",\"line\":2,\"model\":\"llama3.2:3b\",\"server\":null,\"seed\":null,\"kind\":\"bad-record\","
                                + "\"message\":\"missing field 'name'\",\"attempts\":0}",
                        "{\"id\":\"3\",\"line\":4,\"model\":\"llama3.2:3b\",\"server\":null,\"seed\":null,\"kind\":\"bad-record\","
                                + "\"message\":\"the prompt renders empty\",\"attempts\":0}",
                        "{\"id\":null,\"line\":5,\"model\":\"llama3.2:3b\",\"server\":null,\"seed\":null,\"kind\":\"bad-record\","
                                + "\"message\":\"invalid JSON at column 19: Unrecognized token 'oops': was expecting (JSON String, "
                                + "Number, Array, Object or token 'null', 'true' or 'false')\",\"attempts\":0}",
                        "{\"id\":null,\"line\":6,\"model\":\"llama3.2:3b\",\"server\":null,\"seed\":null,\"kind\":\"bad-record\","
                                + "\"message\":\"not a JSON object: found an array\",\"attempts\":0}");
        assertThat(job.out).contains("Errors: output/items.errors.jsonl (4 failures)");

        assertThat(job.run("run", "jobs/c.yaml")).isEqualTo(3);
        assertThat(job.jsonLines("output/rows.jsonl"))
                .extracting(r -> r.get("id").asString())
                .containsExactly("1", "3", "5");
        List<JsonNode> errors = job.jsonLines("output/rows.errors.jsonl");
        assertThat(errors).extracting(e -> e.get("line").asInt()).containsExactly(3, 5);
        assertThat(errors.get(0).get("message").asString())
                .startsWith("unclosed quote: a quoted field starts " + "on line 3");
        assertThat(errors.get(1).get("message").asString()).isEqualTo("expected 2 fields (id,name), found 3");
    }

    @Test
    void aFailedRunResumesAfterItsLastCommitWithoutResendingCommittedRecords() {
        job.numberedRecords("input/r.csv", 40);
        job.write("jobs/r.yaml", """
                name: resume
                input: input/r.csv
                id-field: n
                model: llama3.2:3b
                prompt: "{{text}}"
                options: {seed: 1}
                output: output/r.jsonl
                concurrency: 2
                retry: {max-attempts: 2, initial-backoff: 10ms, max-backoff: 20ms}
                max-outage: 1s
                """);
        Set<String> failing = new java.util.HashSet<>();
        IntStream.rangeClosed(21, 40).forEach(n -> failing.add("record " + n));
        simulator.faults().failWhen(request -> failing.contains(request.prompt()), Fault.SERVICE_UNAVAILABLE);

        assertThat(job.run("run", "jobs/r.yaml")).isEqualTo(1);
        assertThat(job.out)
                .contains("resume failed: ")
                .contains("longer than max-outage (1 s)")
                .contains("run the same command again to resume");
        assertThat(Files.exists(dir.resolve("output/r.errors.jsonl"))
                        && !job.lines("output/r.errors.jsonl").isEmpty())
                .isFalse();
        List<String> committed = ids(job.jsonLines("output/r.jsonl"));
        // Commits come every 8 answers; records 17-20 were answered but their chunk never committed.
        assertThat(committed).isEqualTo(range(1, 16));

        simulator.faults().clear();
        assertThat(job.run("run", "jobs/r.yaml")).isZero();

        assertThat(ids(job.jsonLines("output/r.jsonl"))).isEqualTo(range(1, 40));
        for (int n = 1; n <= 16; n++) {
            assertThat(simulator.stats().requestsForPrompt("record " + n))
                    .as("record %d", n)
                    .isEqualTo(1);
        }
        assertThat(job.run("run", "jobs/r.yaml")).isZero();
        assertThat(job.out).contains("resume already completed");
        assertThat(ids(job.jsonLines("output/r.jsonl"))).isEqualTo(range(1, 40));

        // Another spelling of the same server took no part in the run: the summary has no row for it.
        String otherSpelling = simulator.baseUrl().toString().replace("127.0.0.1", "localhost");
        assertThat(job.runAsIs(
                        "run",
                        "jobs/r.yaml",
                        "--base-url",
                        otherSpelling,
                        "--db",
                        dir.resolve("state/db").toString()))
                .isZero();
        assertThat(job.out).contains("resume already completed").doesNotContain("localhost");
    }

    @Test
    void resumingAfterTheInputOrSpecChangedIsRefusedAndNewRunStartsOver() throws IOException {
        String input = job.numberedRecords("input/c.csv", 30);
        Path inputFile = dir.resolve("input/c.csv");
        String spec = """
                name: changes
                input: input/c.csv
                id-field: n
                model: llama3.2:3b
                prompt: "{{text}}"
                output: output/c.jsonl
                concurrency: 1
                retry: {max-attempts: 1}
                max-outage: 1s
                """;
        Path specFile = job.write("jobs/c.yaml", spec);
        simulator.faults().failWhen(request -> request.prompt().equals("record 20"), Fault.SERVICE_UNAVAILABLE);
        assertThat(job.run("run", "jobs/c.yaml")).isEqualTo(1);
        assertThat(ids(job.jsonLines("output/c.jsonl"))).isEqualTo(range(1, 16));
        simulator.faults().clear();

        String longer = input + "31,record 31\n";
        Files.writeString(inputFile, longer);
        assertThat(job.run("run", "jobs/c.yaml")).isEqualTo(2);
        assertThat(job.err)
                .contains("cannot resume changes: " + inputFile + " changed (it was " + input.length()
                        + " bytes with SHA-256 ")
                .contains("it is " + longer.length() + " bytes")
                .contains("Run again with --new-run to start over.");

        Files.writeString(inputFile, input);
        Files.writeString(specFile, spec.replace("\"{{text}}\"", "\"Say {{text}}\""));
        assertThat(job.run("run", "jobs/c.yaml")).isEqualTo(2);
        assertThat(job.err).contains("cannot resume changes: " + specFile + " changed in what shapes the answers");
        assertThat(ids(job.jsonLines("output/c.jsonl"))).isEqualTo(range(1, 16));

        assertThat(job.run("run", "jobs/c.yaml", "--new-run")).isZero();
        assertThat(ids(job.jsonLines("output/c.jsonl"))).isEqualTo(range(1, 30));
        IntStream.rangeClosed(1, 30)
                .forEach(n -> assertThat(simulator.stats().requestsForPrompt("Say record " + n))
                        .isEqualTo(1));

        Files.writeString(specFile, spec);
        assertThat(job.run("run", "jobs/c.yaml")).isEqualTo(0);
        assertThat(job.out)
                .contains("changes already completed (execution 1); nothing to do; since it ran, " + specFile
                        + " changed in what shapes the answers");
    }

    @Test
    void aRunWhoseCommittedOutputIsGoneIsNotResumedButCanStartOver() throws IOException {
        job.numberedRecords("input/g.csv", 20);
        job.write("jobs/g.yaml", """
                name: gone
                input: input/g.csv
                id-field: n
                model: llama3.2:3b
                prompt: "{{text}}"
                output: output/g.jsonl
                concurrency: 1
                max-outage: 1s
                """);
        simulator.faults().failWhen(request -> request.prompt().equals("record 12"), Fault.SERVICE_UNAVAILABLE);
        assertThat(job.run("run", "jobs/g.yaml")).isEqualTo(1);
        assertThat(ids(job.jsonLines("output/g.jsonl"))).isEqualTo(range(1, 8));
        simulator.faults().clear();
        Files.delete(dir.resolve("output/g.jsonl"));

        assertThat(job.run("run", "jobs/g.yaml")).isEqualTo(2);
        assertThat(job.err)
                .contains("cannot resume gone: " + dir.resolve("output/g.jsonl") + " is gone: the "
                        + "answers in it are lost since the interrupted run (execution 0). Run again with --new-run");
        assertThat(job.run("run", "jobs/g.yaml", "--new-run")).isZero();
        assertThat(ids(job.jsonLines("output/g.jsonl"))).isEqualTo(range(1, 20));
    }

    @Test
    void aCompletedRunWhoseSpecNowNamesAnotherOutputSaysSoAndNewRunWritesIt() {
        job.numberedRecords("input/s.csv", 6);
        String spec = """
                name: sweep
                input: input/s.csv
                id-field: n
                model: llama3.2:3b
                prompt: "{{text}}"
                output: output/%s-${round}.jsonl
                """;
        job.write("jobs/s.yaml", spec.formatted("sweep-a"));
        assertThat(job.run("run", "jobs/s.yaml", "--param", "round=1")).isZero();
        job.write("jobs/s.yaml", spec.formatted("sweep-b"));

        assertThat(job.run("run", "jobs/s.yaml", "--param", "round=1")).isEqualTo(2);
        assertThat(job.err)
                .isEqualTo("promptbatch: sweep (round=1) already completed (execution 0) with its output "
                        + "in " + dir.resolve("output/sweep-a-1.jsonl") + "; the spec's output is now "
                        + dir.resolve("output/sweep-b-1.jsonl")
                        + ", which no run wrote. Run again with --new-run to start a "
                        + "new run that writes it." + System.lineSeparator());
        assertThat(job.out).isEmpty();
        assertThat(dir.resolve("output/sweep-b-1.jsonl")).doesNotExist();

        assertThat(job.run("run", "jobs/s.yaml", "--param", "round=1", "--new-run"))
                .isZero();
        assertThat(ids(job.jsonLines("output/sweep-b-1.jsonl"))).isEqualTo(range(1, 6));
        assertThat(ids(job.jsonLines("output/sweep-a-1.jsonl"))).isEqualTo(range(1, 6));
    }

    @Test
    void neverMoreRequestsInFlightThanConcurrency() throws IOException {
        simulated.start(SimulatorTestSettings.instant()
                .withModels(List.of(MODEL))
                .withParallel(8)
                .withTokensPerSecond(400)
                .withMedianTokens(20)
                .withLengthSigma(0.5));
        StringBuilder input = new StringBuilder();
        IntStream.rangeClosed(1, 120)
                .forEach(n -> input.append("{\"q\":\"question ").append(n).append("\"}\n"));
        job.write("input/q.jsonl", input.toString());
        job.write("jobs/q.yaml", """
                name: wide
                input: input/q.jsonl
                model: llama3.2:3b
                prompt: "{{q}}"
                output: output/q.jsonl
                concurrency: 8
                """);

        assertThat(job.run("run", "jobs/q.yaml")).isZero();

        assertThat(simulator.stats().maxInFlight()).isEqualTo(8);
        assertThat(job.jsonLines("output/q.jsonl"))
                .extracting(r -> r.get("id").asInt())
                .isEqualTo(IntStream.rangeClosed(1, 120).boxed().toList());
    }

    @Test
    void nothingRunsWhenTheServerIsUnreachableOrTheModelMissing() throws IOException {
        job.write("input/a.csv", "text\nhello\n");
        job.write(
                "jobs/a.yaml",
                "name: a\ninput: input/a.csv\nmodel: llama3.2:3b\nprompt: \"{{text}}\"\n" + "output: output/a.jsonl\n");
        job.write(
                "jobs/m.yaml",
                "name: m\ninput: input/a.csv\nmodel: mistral:7b\nprompt: \"{{text}}\"\n" + "output: output/m.jsonl\n");

        assertThat(job.run("run", "jobs/m.yaml")).isEqualTo(2);
        assertThat(job.err)
                .contains("model 'mistral:7b' is not on the server at " + simulator.baseUrl()
                        + ". Pull it with 'ollama pull mistral:7b'.");

        int port = simulator.port();
        simulator.close();
        assertThat(job.runAsIs(
                        "run",
                        "jobs/a.yaml",
                        "--base-url",
                        "http://127.0.0.1:" + port,
                        "--db",
                        dir.resolve("state/db").toString()))
                .isEqualTo(2);
        assertThat(job.err)
                .contains("cannot reach Ollama at http://127.0.0.1:" + port)
                .contains("Start it with 'ollama serve'");
        assertThat(Files.exists(dir.resolve("output/a.jsonl"))).isFalse();
        assertThat(simulator.stats().generateRequests()).isZero();
    }

    @Test
    void usageErrorsExitTwo() {
        job.write("jobs/a.yaml", "name: a\ninput: input/a.csv\nmodle: x\nprompt: p\noutput: o.jsonl\n");
        assertThat(job.run("run", "jobs/a.yaml")).isEqualTo(2);
        assertThat(job.err).contains("unknown key 'modle' (did you mean 'model'?)");
        assertThat(job.runAsIs("run", "jobs/a.yaml", "--no-such-option")).isEqualTo(2);
        assertThat(job.err).contains("Unknown option: '--no-such-option'");
        assertThat(job.runAsIs("run")).isEqualTo(2);
        assertThat(job.runAsIs()).isEqualTo(2);
        assertThat(job.err).contains("a command is needed");
        assertThat(job.runAsIs("run", "--help")).isZero();
        assertThat(job.out).contains("Usage: promptbatch run");
    }

    private static List<String> ids(List<JsonNode> records) {
        List<String> ids = new ArrayList<>();
        records.forEach(r -> ids.add(r.get("id").asString()));
        return ids;
    }

    private static List<String> range(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(String::valueOf).toList();
    }
}

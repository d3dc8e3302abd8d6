package dev.promptbatch.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.promptbatch.output.EmbedLine;

/** The report of a hand-written run: its structure, its numbers, and that it needs nothing from elsewhere. */
class HtmlReportTest {
    private static final Pattern ROW = Pattern.compile("<tr>(.*?)</tr>", Pattern.DOTALL);
    private static final Pattern CELL = Pattern.compile("<td[^>]*>(.*?)</td>", Pattern.DOTALL);
    private static final Pattern SVG = Pattern.compile("<svg.*?</svg>", Pattern.DOTALL);
    private static final Pattern REMOTE = Pattern.compile("(?i)\\b(src|href)\\s*=\\s*[\"']?\\s*(https?:)?//");
    /** A CSS or SVG url() that is not a reference within the page, such as SVG's clip-path="url(#clip-1)". */
    private static final Pattern OUTSIDE_URL = Pattern.compile("(?i)url\\(\\s*['\"]?\\s*[^#'\"\\s]");

    @TempDir
    Path dir;

    @Test
    void holdsThreeChartsEachWithItsTitle() throws IOException {
        String html = report(RunFixture.write(dir, true));

        List<String> charts =
                SVG.matcher(html).results().map(MatchResult::group).toList();
        assertThat(charts).hasSize(3);
        assertThat(html.split("<svg", -1)).hasSize(4);
        assertThat(charts.get(0))
                .contains(">Generation speed (tokens/s)</text>")
                .contains(">tokens/s</text>");
        assertThat(charts.get(1)).contains(">Latency (ms)</text>").contains(">ms</text>");
        assertThat(charts.get(2)).contains(">Output length (tokens)</text>").contains(">tokens (eval_count)</text>");
        for (String chart : charts) {
            assertThat(chart)
                    .contains(">llama3.2:3b</text>")
                    .contains(">qwen2.5:7b</text>")
                    .contains(">v1</text>");
        }
    }

    @Test
    void summaryTableHasEveryModelAndVariantWithItsCounts() throws IOException {
        String table = section(report(RunFixture.write(dir, true)), "<table class=\"summary\">", "</table>");

        assertThat(rows(table)).hasSize(4);
        assertThat(row(table, "llama3.2:3b v0")).startsWith("llama3.2:3b v0 temperature=0.0", "6", "1", "130");
        assertThat(row(table, "llama3.2:3b v1")).startsWith("llama3.2:3b v1 temperature=0.8", "5", "0");
        assertThat(row(table, "qwen2.5:7b v0")).startsWith("qwen2.5:7b v0 temperature=0.0", "6", "0");
        assertThat(row(table, "qwen2.5:7b v1")).startsWith("qwen2.5:7b v1 temperature=0.8", "4", "2");
    }

    @Test
    void showsTheManifestReadablyAndWholeInAFoldedBlock() throws IOException {
        String html = report(RunFixture.write(dir, true));
        String readable = html.replaceAll("(?s)<details>.*</details>", "");

        assertThat(readable)
                .contains("<h1>sweep</h1>")
                .contains(">COMPLETED<")
                .contains("built-in simulator")
                .contains("Ran 2026-03-01 10:15:30 to 10:17:05 (1 min 35 s)");
        assertThat(readable)
                .contains(RunFixture.VERSION)
                .contains("Ollama " + RunFixture.SERVER_VERSION)
                .contains(RunFixture.LLAMA_DIGEST.substring(7, 19))
                .doesNotContain(RunFixture.LLAMA_DIGEST + "<")
                .contains(RunFixture.INPUT_SHA.substring(0, 12))
                .contains("2.0 KiB")
                .contains("<code>temperature=0.8</code>")
                .contains("Q4_K_M")
                .contains("3.2B")
                .contains("8 CPUs")
                .contains("Eclipse Adoptium");
        assertThat(section(html, "<details>", "</details>"))
                .contains("Full manifest")
                .contains("&quot;sha256&quot;")
                .contains(RunFixture.INPUT_SHA);
    }

    @Test
    void isSelfContained() throws IOException {
        String html = report(RunFixture.write(dir, true));

        assertThat(REMOTE.matcher(html).find()).as("a src or href to elsewhere").isFalse();
        assertThat(OUTSIDE_URL.matcher(html).find()).as("a url() to elsewhere").isFalse();
        assertThat(html)
                .doesNotContainIgnoringCase("<script")
                .doesNotContainIgnoringCase("<link")
                .doesNotContainIgnoringCase("<img")
                .doesNotContainIgnoringCase("@import")
                .contains("<style>");
    }

    @Test
    void escapesWhatComesFromTheRunsFiles() throws IOException {
        String html = report(RunFixture.write(dir, true));

        assertThat(html)
                .contains("Answer &lt;b&gt;{{question}}&lt;/b&gt; &amp; stop.")
                .doesNotContain("<b>{{question}}</b>");
    }

    @Test
    void withoutAManifestSaysSoAndShowsTheNumbers() throws IOException {
        String html = report(RunFixture.write(dir, false));

        assertThat(html)
                .contains("There is no manifest beside the output (sweep.manifest.json)")
                .contains("<h1>sweep</h1>")
                .contains("status unknown")
                .doesNotContain("<details>");
        assertThat(html.split("<svg", -1)).hasSize(4);
        String table = section(html, "<table class=\"summary\">", "</table>");
        assertThat(row(table, "qwen2.5:7b v1")).startsWith("qwen2.5:7b v1", "4", "2");
    }

    @Test
    void anUnreadableManifestIsSaidAndTheRestShown() throws IOException {
        Path output = RunFixture.write(dir, false);
        Files.writeString(dir.resolve("out/sweep.manifest.json"), "{\"job\": \"sweep\", ");

        String html = report(output);

        assertThat(html)
                .contains("The manifest sweep.manifest.json could not be read")
                .contains("status unknown");
        assertThat(rows(section(html, "<table class=\"summary\">", "</table>"))).hasSize(4);
    }

    @Test
    void anEmbeddingModelBesideAnswersHasDashesForItsSpeedsAndANoteOfItsRecordsPerSecond() throws IOException {
        Path output = dir.resolve("out/requests.jsonl");
        Files.createDirectories(output.getParent());
        Files.write(
                output,
                List.of(
                        answer("http://gpu1:11434", 100, 50),
                        EmbedLine.of("e1", 2, "nomic-embed-text", 0.6, 0.8)
                                .inBatch(2, 1, 8L, 40)
                                .json(),
                        EmbedLine.of("e2", 3, "nomic-embed-text", 0.6, 0.8)
                                .inBatch(3, 1, 8L, 60)
                                .json()));

        String html = report(output);

        String table = section(html, "<table class=\"summary\">", "</table>");
        assertThat(rows(table))
                .containsExactly(
                        List.of(
                                "llama3.2:3b",
                                "1",
                                "0",
                                "100",
                                "100",
                                "100",
                                "50.0",
                                "50.0",
                                "0.0",
                                "0.0",
                                "&ndash;",
                                "&ndash;",
                                "3",
                                "3.0"),
                        List.of(
                                "nomic-embed-text",
                                "2",
                                "0",
                                "40",
                                "60",
                                "60",
                                "&ndash;",
                                "&ndash;",
                                "&ndash;",
                                "&ndash;",
                                "&ndash;",
                                "&ndash;",
                                "&ndash;",
                                "&ndash;"));
        assertThat(html)
                .contains("<p class=\"note\">nomic-embed-text embedded 2 records in 2 requests: 20.0 records/s over "
                        + "the requests' time. An embedding generates no tokens, so its generation and output columns "
                        + "are empty.</p>");
    }

    @Test
    void readsCsvOutputToo() throws IOException {
        Path output = dir.resolve("sweep.csv");
        Files.writeString(output, """
                id,model,seed,response,eval_count,eval_duration,tokens_per_second,latency_ms,input.task
                a,llama3.2:3b,1,Hello,40,500000000,80.0,600,t
                b,llama3.2:3b,1,"Hi, there",50,500000000,100.0,700,t
                c,llama3.2:3b,1,Hey,60,500000000,120.0,800,t
                """);

        String html = report(output);

        String table = section(html, "<table class=\"summary\">", "</table>");
        assertThat(rows(table)).hasSize(1);
        assertThat(row(table, "llama3.2:3b")).startsWith("llama3.2:3b", "3", "0", "700");
        assertThat(html).contains("<h1>sweep</h1>");
    }

    @Test
    void aRunOnTwoServersHasARowPerModelAndServerAndATableOfTheServers() throws IOException {
        Path output = dir.resolve("out/two.jsonl");
        Files.createDirectories(output.getParent());
        List<String> answers = new ArrayList<>();
        long[][] gpu1 = {{100, 50}, {120, 48}, {140, 46}};
        long[][] gpu2 = {{400, 20}, {420, 22}};
        for (long[] answer : gpu1) {
            answers.add(answer("http://gpu1:11434", answer[0], answer[1]));
        }
        for (long[] answer : gpu2) {
            answers.add(answer("http://gpu2:11434", answer[0], answer[1]));
        }
        Files.write(output, answers);
        Files.writeString(dir.resolve("out/two.errors.jsonl"), """
                {"id":"9","line":9,"model":"llama3.2:3b","server":"http://gpu2:11434","seed":null,\
                "kind":"retries-exhausted","message":"timed out","attempts":3}
                {"id":"10","line":10,"model":"llama3.2:3b","server":null,"seed":null,\
                "kind":"bad-record","message":"missing field 'text'","attempts":0}
                """);
        Files.writeString(dir.resolve("out/two.manifest.json"), """
                {"job":"two","server":{"url":"http://gpu1:11434","version":"0.12.6"},
                 "servers":[{"url":"http://gpu1:11434","version":"0.12.6",
                             "models":[{"name":"llama3.2:3b","digest":"sha256:aaaaaaaaaaaaaaaa"}],
                             "concurrency":8,"auto":false,"reached":true},
                            {"url":"http://gpu2:11434","version":"0.11.4",
                             "models":[{"name":"llama3.2:3b","digest":"sha256:bbbbbbbbbbbbbbbb"}],
                             "concurrency":4,"auto":true,"reached":true},
                            {"url":"http://gpu3:11434","version":null,"models":[],
                             "concurrency":2,"auto":false,"reached":false}],
                 "models":[{"name":"llama3.2:3b"}]}
                """);

        String html = report(output);

        String perServer = section(section(html, "<h2>Per server</h2>", "</section>"), "<table", "</table>");
        assertThat(rows(perServer))
                .containsExactly(
                        List.of("llama3.2:3b", "http://gpu1:11434", "3", "0", "48.0", "120", "140"),
                        List.of("llama3.2:3b", "http://gpu2:11434", "2", "1", "20.0", "400", "420"),
                        List.of("llama3.2:3b", "http://gpu3:11434", "0", "0", "&ndash;", "&ndash;", "&ndash;"));
        String servers = section(section(html, "<h3>Servers</h3>", "</table>"), "<table", "</table>");
        assertThat(rows(servers))
                .containsExactly(
                        List.of("http://gpu1:11434", "Ollama 0.12.6", "8", "llama3.2:3b aaaaaaaaaaaa&hellip;"),
                        List.of("http://gpu2:11434", "Ollama 0.11.4", "4 (auto)", "llama3.2:3b bbbbbbbbbbbb&hellip;"),
                        List.of("http://gpu3:11434", "not reached", "2", Html.NONE));
    }

    @Test
    void aRunOnOneServerHasNoPerServerRowsNorServersTable() throws IOException {
        String html = report(RunFixture.write(dir, true));

        assertThat(html).doesNotContain("Per server").doesNotContain("<h3>Servers</h3>");
    }

    @Test
    void anEmbedRunHasARowPerModelAndBatchSizeWithRecordsPerSecondAndOneLatencyChart() throws IOException {
        Path output = dir.resolve("out/embed.jsonl");
        Files.createDirectories(output.getParent());
        double[] vector = {0.6, 0.8};
        List<String> lines = new ArrayList<>();
        for (int id = 1; id <= 4; id++) {
            lines.add(EmbedLine.of(String.valueOf(id), id, "all-minilm", vector)
                    .inBatch(1, 4, 40L, 200)
                    .json());
        }
        lines.add(EmbedLine.of("5", 5, "all-minilm", vector)
                .inBatch(2, 1, 12L, 30)
                .json());
        lines.add(EmbedLine.of("6", 6, "all-minilm", vector)
                .inBatch(2, 1, 12L, 40)
                .on("http://gpu2:11434")
                .json());
        Files.write(output, lines);
        Files.writeString(dir.resolve("out/embed.errors.jsonl"), """
                {"id":"7","line":7,"model":"all-minilm","server":"http://gpu2:11434","kind":"rejected",\
                "message":"the input length exceeds the context length","attempts":1}
                """);
        Files.writeString(dir.resolve("out/embed.manifest.json"), """
                {"job":"embed","endpoint":"embed","batch_size":4,
                 "servers":[{"url":"http://127.0.0.1:11434","concurrency":2,"auto":false,"reached":true},
                            {"url":"http://gpu2:11434","concurrency":1,"auto":false,"reached":true}],
                 "models":[{"name":"all-minilm"}]}
                """);

        String html = report(output);

        // (200 + 30 + 40) ms over 3 requests in flight: 6 records in 0.09 s, 64 prompt tokens
        assertThat(rows(section(html, "<table class=\"summary\">", "</table>")))
                .containsExactly(List.of("all-minilm", "4", "7", "6", "1", "3", "66.7", "711.1", "40", "200", "200"));
        String perServer = section(section(html, "<h2>Per server</h2>", "</section>"), "<table", "</table>");
        assertThat(rows(perServer))
                .containsExactly(
                        List.of("all-minilm", "http://127.0.0.1:11434", "5", "0", "2", "43.5", "30", "200"),
                        List.of("all-minilm", "http://gpu2:11434", "1", "1", "1", "25.0", "40", "40"));
        List<String> charts =
                SVG.matcher(html).results().map(MatchResult::group).toList();
        assertThat(charts).hasSize(1);
        assertThat(charts.get(0)).contains(">Request latency (ms)</text>");
        assertThat(html)
                .contains("records embedded</span>")
                .doesNotContain("Generation")
                .doesNotContain("Output (tokens)");
    }

    @Test
    void aChatRunShowsItsMessagesWithTheirRolesAndItsImagesOnTheLastUserMessage() throws IOException {
        Path output = chatRun("""
                "endpoint": "chat", "system": null, "prompt": null,
                "messages": [{"role": "system", "content": "You extract <facts> & figures."},
                             {"role": "user", "content": "{{description}}"},
                             {"role": "assistant", "content": "Which fields?"},
                             {"role": "user", "content": "Title and {{field}}."}],
                "images": ["photo", "label"]
                """);

        String prompt = section(report(output), "<h3>Prompt</h3>", "<details>");

        assertThat(prompt).isEqualTo("""
                        <h3>Prompt</h3>
                        <p class="caption">Message 1: system</p>
                        <pre class="prompt">You extract &lt;facts&gt; &amp; figures.</pre>
                        <p class="caption">Message 2: user</p>
                        <pre class="prompt">{{description}}</pre>
                        <p class="caption">Message 3: assistant</p>
                        <pre class="prompt">Which fields?</pre>
                        <p class="caption">Message 4: user</p>
                        <pre class="prompt">Title and {{field}}.
                        <span class="image">[image: photo]</span>
                        <span class="image">[image: label]</span></pre>
                        <details>""");
    }

    @Test
    void aChatRunWithoutMessagesShowsItsSystemAndPromptAsTheMessagesSent() throws IOException {
        Path output = chatRun("""
                "endpoint": "chat", "system": "Be brief.", "prompt": "Describe {{name}}."
                """);

        String prompt = section(report(output), "<h3>Prompt</h3>", "<details>");

        assertThat(prompt).isEqualTo("""
                        <h3>Prompt</h3>
                        <p class="caption">Message 1: system</p>
                        <pre class="prompt">Be brief.</pre>
                        <p class="caption">Message 2: user</p>
                        <pre class="prompt">Describe {{name}}.</pre>
                        <details>""");
    }

    @Test
    void aGenerateRunShowsItsSystemAndPromptTemplateWithAMarkerPerImage() throws IOException {
        Path output = chatRun("""
                "endpoint": "generate", "system": "Be brief.", "prompt": "What is in the photo?",
                "images": ["photo"]
                """);

        String prompt = section(report(output), "<h3>Prompt</h3>", "<details>");

        assertThat(prompt).isEqualTo("""
                        <h3>Prompt</h3>
                        <p class="caption">System</p>
                        <pre class="prompt">Be brief.</pre>
                        <p class="caption">Prompt template</p>
                        <pre class="prompt">What is in the photo?
                        <span class="image">[image: photo]</span></pre>
                        <details>""");
    }

    /** A one-answer run whose manifest's spec holds {@code specFields}. */
    private Path chatRun(String specFields) throws IOException {
        Path output = dir.resolve("out/chat.jsonl");
        Files.createDirectories(output.getParent());
        Files.writeString(output, answer("http://127.0.0.1:11434", 100, 50) + "\n");
        Files.writeString(dir.resolve("out/chat.manifest.json"), """
                {"job":"chat","server":{"url":"http://127.0.0.1:11434","version":"0.12.6"},
                 "models":[{"name":"llama3.2:3b"}],
                 "spec":{"name":"chat", %s}}
                """.formatted(specFields));
        return output;
    }

    private static String answer(String server, long latencyMs, long tokensPerSecond) {
        return ("{\"id\":\"%d\",\"line\":1,\"model\":\"llama3.2:3b\",\"server\":\"%s\",\"seed\":null,"
                        + "\"response\":\"r\",\"eval_count\":3,\"tokens_per_second\":%d.0,"
                        + "\"tokens_per_second_source\":\"server\",\"latency_ms\":%d,\"attempts\":1}")
                .formatted(latencyMs, server, tokensPerSecond, latencyMs);
    }

    private String report(Path output) throws IOException {
        Path html = dir.resolve("report/sweep.html");
        HtmlReport.write(output, html);
        return Files.readString(html);
    }

    private static String section(String html, String start, String end) {
        int from = html.indexOf(start);
        assertThat(from).as(start).isNotNegative();
        return html.substring(from, html.indexOf(end, from) + end.length());
    }

    private static List<List<String>> rows(String table) {
        String body = section(table, "<tbody>", "</tbody>");
        List<List<String>> rows = new ArrayList<>();
        ROW.matcher(body)
                .results()
                .forEach(row -> rows.add(CELL.matcher(row.group(1))
                        .results()
                        .map(cell -> cell.group(1)
                                .replaceAll("<[^>]+>", " ")
                                .replaceAll("\\s+", " ")
                                .trim())
                        .toList()));
        return rows;
    }

    /** The cells' text of the one row whose first cell starts with {@code label}. */
    private static List<String> row(String table, String label) {
        List<List<String>> matching = rows(table).stream()
                .filter(cells -> cells.get(0).equals(label) || cells.get(0).startsWith(label + " "))
                .toList();
        assertThat(matching).as("rows of " + label).hasSize(1);
        return matching.get(0);
    }
}

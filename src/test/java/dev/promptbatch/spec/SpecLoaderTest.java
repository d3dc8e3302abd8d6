package dev.promptbatch.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecLoaderTest {
    @TempDir
    Path dir;

    @Test
    void readsEveryKeyAndSubstitutesParameters() throws IOException {
        Path spec = write("""
                name: nightly-summaries
                input: input/articles-${date}.jsonl
                id-field: id
                models: [llama3.2:3b, qwen2.5:7b]
                system: You summarise news for ${date}.
                prompt: "Summarise {{title}}: {{body}}"
                options: {temperature: 0.2, seed: 42, num_predict: 160, stop: ["\\n\\n"]}
                format: {type: object, properties: {summary: {type: string}}}
                think: false
                keep-alive: 10m
                output: output/summaries-${date}.csv
                include: [title, source.name]
                concurrency: 8
                timeout: 90s
                retry: {max-attempts: 3, initial-backoff: 500ms, max-backoff: 10s}
                server: {base-url: "http://gpu-box:11434"}
                """);
        JobSpec job = new SpecLoader(dir).load(spec, Map.of("date", "2026-11-21"), Map.of());
        assertThat(job.name()).isEqualTo("nightly-summaries");
        assertThat(job.input().file()).isEqualTo(dir.resolve("input/articles-2026-11-21.jsonl"));
        assertThat(job.output().file()).isEqualTo(dir.resolve("output/summaries-2026-11-21.csv"));
        assertThat(job.generation().system()).isEqualTo("You summarise news for 2026-11-21.");
        assertThat(job.generation().models()).containsExactly("llama3.2:3b", "qwen2.5:7b");
        assertThat(job.generation().options())
                .containsExactly(
                        Map.entry("temperature", 0.2),
                        Map.entry("seed", 42),
                        Map.entry("num_predict", 160),
                        Map.entry("stop", List.of("\n\n")));
        assertThat(job.generation().format())
                .isEqualTo(Map.of("type", "object", "properties", Map.of("summary", Map.of("type", "string"))));
        assertThat(job.generation().think()).isEqualTo(false);
        assertThat(job.generation().keepAlive()).isEqualTo("10m");
        assertThat(job.output().include()).containsExactly("title", "source.name");
        assertThat(job.limits().concurrency()).isEqualTo(8);
        assertThat(job.limits().timeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(job.limits().retry()).isEqualTo(new RetrySpec(3, Duration.ofMillis(500), Duration.ofSeconds(10)));
        assertThat(job.server().baseUrl()).isEqualTo("http://gpu-box:11434");
        assertThat(job.server().servers()).isEmpty();
    }

    @Test
    void defaultsAndTheModelFromTheEnvironment() throws IOException {
        Path spec = write("name: x\ninput: in.csv\nprompt: hi {{a}}\noutput: out.jsonl\n");
        JobSpec job = new SpecLoader(dir).load(spec, Map.of(), Map.of("OLLAMA_MODEL", "gemma3:4b"));
        assertThat(job.generation().models()).containsExactly("gemma3:4b");
        assertThat(job.limits().concurrency()).isEqualTo(4);
        assertThat(job.limits().timeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(job.limits().retry()).isEqualTo(RetrySpec.DEFAULT);
        assertThat(job.generation().options()).isEmpty();
        assertThat(job.input().idField()).isNull();
    }

    @Test
    void aMisspelledKeyIsNamedWithASuggestion() throws IOException {
        Path spec = write("name: x\ninput: in.csv\nmodle: llama3.2\nprompt: hi\noutput: out.jsonl\n");
        assertThatThrownBy(() -> load(spec))
                .isInstanceOf(SpecException.class)
                .hasMessageStartingWith(spec + ", line 3: unknown key 'modle' (did you mean 'model'?)");
    }

    @Test
    void wrongValuesNameTheKeyAndWhatWasExpected() throws IOException {
        assertError(
                "name: Bad Name\ninput: in.csv\nmodel: m\nprompt: p\noutput: o.jsonl\n",
                "key 'name': expected lower-case letters, digits and '-' only, got 'Bad Name'");
        assertError(
                "name: x\ninput: in.txt\nmodel: m\nprompt: p\noutput: o.jsonl\n",
                "key 'input': expected a .csv or .jsonl file, got 'in.txt'");
        assertError(
                "name: x\ninput: in.csv\nmodel: m\nprompt: p\noutput: o.jsonl\ntimeout: 10 minutes\n",
                "key 'timeout': expected a duration such as 500ms, 30s, 10m or 1h");
        assertError(
                "name: x\ninput: in.csv\nmodel: m\nprompt: p\noutput: o.jsonl\noptions: {seed: \"42\"}\n",
                "key 'options.seed': expected a whole number");
        assertError(
                "name: x\ninput: in.csv\nmodel: m\nprompt: p\noutput: o.jsonl\noptions: {stop: \"\\n\"}\n",
                "key 'options.stop': expected a list of strings");
        assertError(
                "name: x\ninput: in.csv\nmodel: m\nprompt: p\noutput: o.jsonl\noptions: {penalize_newline: 1}\n",
                "key 'options.penalize_newline': not an option Ollama knows; Ollama ignores unknown options silently");
        assertError(
                "name: x\ninput: in.csv\nmodel: m\nprompt: p\noutput: o.jsonl\noptions: {temprature: 1}\n",
                "key 'options.temprature': not an option Ollama knows (did you mean 'temperature'?)");
        assertError(
                "name: x\ninput: in.csv\nmodel: m\nprompt: p\noutput: o.jsonl\nkeep-alive: \"3600\"\n",
                "key 'keep-alive': expected a duration with a unit");
        assertError(
                "name: x\ninput: in-${day}.csv\nmodel: m\nprompt: p\noutput: o.jsonl\n",
                "key 'input': expected a value for ${day}: pass --param day=VALUE");
        assertError(
                "name: x\ninput: in.csv\nprompt: p\noutput: o.jsonl\n",
                "no model: set model (or models), or the environment variable OLLAMA_MODEL");
        assertError("name: x\ninput: in.csv\nmodel: m\noutput: o.jsonl\n", "missing required key 'prompt'");
        assertError(
                "name: x\nname: y\ninput: in.csv\nmodel: m\nprompt: p\noutput: o.jsonl\n",
                "not valid YAML: Duplicate Object property \"name\" (line 2)");
    }

    @Test
    void errorBudgetOutageAndRecordSize() throws IOException {
        String base = "name: x\ninput: in.csv\nmodel: m\nprompt: p\noutput: o.jsonl\n";
        JobSpec defaults = load(write(base));
        assertThat(defaults.limits().maxFailures()).isEqualTo(ErrorBudget.UNLIMITED);
        assertThat(defaults.limits().maxOutage()).isEqualTo(Duration.ofMinutes(10));
        assertThat(defaults.input().maxRecordBytes()).isEqualTo(1 << 20);
        JobSpec set = load(write(base + "max-failures: 5%\nmax-outage: 30s\nmax-record-size: 512KiB\n"));
        assertThat(set.limits().maxFailures()).isEqualTo(ErrorBudget.percent(5));
        assertThat(set.limits().maxFailures().exceeded(1, 19, false)).isFalse();
        assertThat(set.limits().maxFailures().exceeded(2, 20, false)).isTrue();
        assertThat(set.limits().maxFailures().exceeded(1, 10, true)).isTrue();
        assertThat(set.limits().maxOutage()).isEqualTo(Duration.ofSeconds(30));
        assertThat(set.input().maxRecordBytes()).isEqualTo(512 * 1024);
        assertThat(load(write(base + "max-failures: 10\n"))
                        .limits()
                        .maxFailures()
                        .exceeded(11, 1000, false))
                .isTrue();
        assertError(base + "max-failures: many\n", "key 'max-failures': expected a number of records");
        assertError(base + "max-record-size: 1TB\n", "key 'max-record-size': expected a size such as 1MiB");
    }

    @Test
    void imagesNameInputFieldsWithAMaximumSizeResolvedFromTheWorkingDirectory() throws IOException {
        String base = "name: x\ninput: in.csv\nmodel: m\nprompt: p\noutput: o.jsonl\n";
        JobSpec none = load(write(base));
        assertThat(none.input().images().any()).isFalse();
        assertThat(none.input().images().maxBytes()).isEqualTo(20L << 20);
        JobSpec set = load(write(base + "images: [front, back]\nmax-image-size: 512KiB\n"));
        assertThat(set.input().images().fields()).containsExactly("front", "back");
        assertThat(set.input().images().maxBytes()).isEqualTo(512 * 1024);
        assertThat(set.input().images().directory()).isEqualTo(dir);
        assertThat(load(write(base + "images: [photo]\nmax-image-size: 1GiB\n"))
                        .input()
                        .images()
                        .maxBytes())
                .isEqualTo(1L << 30);
        assertError(base + "images: photo\n", "key 'images': expected a list such as [a, b]");
        assertError(base + "images: []\n", "key 'images': expected a list of input fields that hold image files");
        assertError(base + "images: [photo, photo]\n", "key 'images': expected a list of different input fields");
        assertError(
                base + "images: [photo]\nmax-image-size: 2GiB\n",
                "key 'max-image-size': expected a size such as 1MiB, 512KiB or 65536 (bytes), up to 1 GiB, got 2GiB");
        assertError(base + "max-image-size: 0\n", "key 'max-image-size': expected a size such as 1MiB");
    }

    @Test
    void serversListEachWithItsOwnConcurrencyOrTheJobs() throws IOException {
        String base = "name: x\ninput: in.csv\nmodel: m\nprompt: p\noutput: o.jsonl\nconcurrency: 6\n";
        JobSpec job = load(write(base + """
                servers:
                  - url: http://gpu1:11434/
                    concurrency: 8
                  - {url: "https://User:pw@GPU2.example", api: ollama}
                  - url: http://gpu3:11434
                    concurrency: auto
                """));
        assertThat(job.server().baseUrl()).isNull();
        assertThat(job.server().servers())
                .extracting(
                        entry -> entry.url().display(),
                        JobSpec.ServerEntry::concurrency,
                        JobSpec.ServerEntry::autoConcurrency)
                .containsExactly(
                        tuple("http://gpu1:11434", 8, false),
                        tuple("https://GPU2.example", null, false),
                        tuple("http://gpu3:11434", null, true));
        assertThat(job.server().servers().get(1).url().userInfo()).isEqualTo("User:pw");
        assertThat(job.limits().concurrency()).isEqualTo(6);
        assertThat(job.limits().autoConcurrency()).isFalse();

        JobSpec auto = load(write(base.replace("concurrency: 6", "concurrency: auto")));
        assertThat(auto.limits().autoConcurrency()).isTrue();
        assertThat(auto.limits().concurrency()).isEqualTo(JobSpec.Limits.DEFAULT_CONCURRENCY);
        assertThat(auto.server().servers()).isEmpty();
        assertThat(SpecValues.all(auto)).containsEntry("concurrency", "auto");
        assertThat(auto.withConcurrency(3).limits().autoConcurrency()).isFalse();
    }

    @Test
    void aBadServersEntryIsNamedByItsPlaceInTheList() throws IOException {
        String base = "name: x\ninput: in.csv\nmodel: m\nprompt: p\noutput: o.jsonl\n";
        String first = "servers:\n  - url: http://gpu1:11434\n";
        assertError(
                base + first + "  - url: ftp://gpu2:21\n",
                "key 'servers[2].url': expected an http:// or https:// URL such as http://127.0.0.1:11434, "
                        + "got 'ftp://gpu2:21'");
        assertError(
                base + first + "  - url: gpu2:11434\n", "key 'servers[2].url': expected an http:// or https:// URL");
        assertError(
                base + first + "  - {url: \"http://gpu2:11434\", concurrency: 0}\n",
                "key 'servers[2].concurrency': expected a whole number from 1 to 1024, or auto, got 0");
        assertError(
                base + first + "  - {url: \"http://gpu2:11434\", concurrency: 1025}\n",
                "key 'servers[2].concurrency': expected a whole number from 1 to 1024, or auto, got 1025");
        assertError(
                base + first + "  - {url: \"http://gpu2:11434\", concurrency: fast}\n",
                "key 'servers[2].concurrency': expected a whole number from 1 to 1024, or auto, got fast");
        assertError(
                base + first + "  - url: http://gpu2:11434\n  - url: HTTP://GPU1:11434/\n",
                "key 'servers[3].url': the same server as servers[1] (http://GPU1:11434): list each server once");
        assertError(
                base + "servers:\n  - url: https://box\n  - url: https://box:443\n",
                "key 'servers[2].url': the same server as servers[1]");
        assertError(
                base + "servers:\n  - url: http://box\n  - url: http://box:80/\n",
                "key 'servers[2].url': the same server as servers[1]");
        assertError(
                base + "server: {base-url: \"http://gpu1:11434\"}\n" + first,
                "key 'server': expected either server or servers, not both");
        assertError(
                base + first + "  - {url: \"http://vllm:8000\", api: tgi}\n",
                "key 'servers[2].api': expected ollama or openai, got tgi");
        assertError(
                base + "server: {base-url: \"http://vllm:8000\", api: vllm}\n",
                "key 'server.api': expected ollama or openai, got vllm");
        assertError(
                base + first + "  - {url: \"http://gpu2:11434\", api: openai, api-key-env: \"sk-abc 123\"}\n",
                "key 'servers[2].api-key-env': expected the name of an environment variable such as VLLM_TOKEN");
        assertError(base + first + "  - {concurrency: 2}\n", "missing required key 'servers[2].url'");
        assertError(
                base + first + "  - {url: \"http://gpu2:11434\", concurency: 2}\n",
                "unknown key 'servers[2].concurency' (did you mean 'servers[2].concurrency'?)");
        assertError(base + first + "  - http://gpu2:11434\n", "key 'servers[2]': expected a mapping such as");
        assertError(
                base + "servers: http://gpu1:11434\n", "key 'servers': expected a list of at least one server such as");
        assertError(base + "servers: []\n", "key 'servers': expected a list of at least one server such as");
        assertError(base + "concurrency: fast\n", "key 'concurrency': expected a whole number from 1 to 1024, or auto");
    }

    private void assertError(String yaml, String expected) throws IOException {
        Path spec = write(yaml);
        assertThatThrownBy(() -> load(spec)).isInstanceOf(SpecException.class).hasMessageContaining(expected);
    }

    private JobSpec load(Path spec) {
        return new SpecLoader(dir).load(spec, Map.of(), Map.of());
    }

    private Path write(String yaml) throws IOException {
        Path spec = dir.resolve("job.yaml");
        Files.writeString(spec, yaml);
        return spec;
    }
}

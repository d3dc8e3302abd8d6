package dev.promptbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.promptbatch.servers.ServerTarget;
import dev.promptbatch.spec.JobSpec;
import dev.promptbatch.spec.SpecLoader;

/** Which servers a run talks to, and how many requests each may have in flight. */
class ChosenServerTest {
    private static final String BASE = "name: x\ninput: in.csv\nmodel: m\nprompt: p\noutput: o.jsonl\n";

    @TempDir
    Path dir;

    @Test
    void eachEntryHasItsOwnConcurrencyTheJobsOrTheAutoCeiling() throws IOException {
        JobSpec spec = spec(BASE + """
                concurrency: 6
                servers:
                  - {url: "http://gpu1:11434", concurrency: 8}
                  - {url: "http://gpu2:11434"}
                  - {url: "http://gpu3:11434", concurrency: auto}
                """);

        assertThat(targets(spec, List.of(), Map.of()))
                .extracting(ServerTarget::display, ServerTarget::concurrency, ServerTarget::autoConcurrency)
                .containsExactly(
                        tuple("http://gpu1:11434", 8, false),
                        tuple("http://gpu2:11434", 6, false),
                        tuple("http://gpu3:11434", ServerTarget.AUTO_CEILING, true));
    }

    @Test
    void theJobsAutoConcurrencyGoesToEveryServerWithoutItsOwn() throws IOException {
        JobSpec spec = spec(BASE + """
                concurrency: auto
                servers:
                  - {url: "http://gpu1:11434", concurrency: 2}
                  - {url: "http://gpu2:11434"}
                """);

        assertThat(targets(spec, List.of(), Map.of()))
                .extracting(ServerTarget::display, ServerTarget::concurrency, ServerTarget::autoConcurrency)
                .containsExactly(
                        tuple("http://gpu1:11434", 2, false),
                        tuple("http://gpu2:11434", ServerTarget.AUTO_CEILING, true));
        assertThat(targets(spec(BASE + "concurrency: auto\n"), List.of(), Map.of()))
                .extracting(ServerTarget::display, ServerTarget::concurrency, ServerTarget::autoConcurrency)
                .containsExactly(tuple("http://127.0.0.1:11434", ServerTarget.AUTO_CEILING, true));
    }

    @Test
    void baseUrlOptionsReplaceTheSpecsServersEachWithTheJobsConcurrency() throws IOException {
        JobSpec spec = spec(BASE + """
                concurrency: 3
                servers:
                  - {url: "http://gpu1:11434", concurrency: 8}
                """);

        assertThat(targets(spec, List.of("http://a:1", "http://b:2/"), Map.of()))
                .extracting(ServerTarget::display, ServerTarget::concurrency, ServerTarget::autoConcurrency)
                .containsExactly(tuple("http://a:1", 3, false), tuple("http://b:2", 3, false));
        assertThat(targets(spec, List.of("http://a:1"), Map.of()))
                .extracting(ServerTarget::display, ServerTarget::concurrency)
                .containsExactly(tuple("http://a:1", 3));
    }

    @Test
    void serverBaseUrlKeepsItsPlaceBetweenTheOptionAndTheEnvironment() throws IOException {
        JobSpec spec = spec(BASE + "server: {base-url: \"http://spec:3\"}\n");
        Map<String, String> environment = Map.of("OLLAMA_BASE_URL", "http://env:1");

        assertThat(targets(spec, List.of(), environment))
                .extracting(ServerTarget::display)
                .containsExactly("http://spec:3");
        assertThat(targets(spec(BASE), List.of(), environment))
                .extracting(ServerTarget::display)
                .containsExactly("http://env:1");
        assertThat(targets(spec, List.of("http://option:2"), environment))
                .extracting(ServerTarget::display)
                .containsExactly("http://option:2");
    }

    @Test
    void theSameServerTwiceOnTheCommandLineIsRefused() throws IOException {
        JobSpec spec = spec(BASE);

        assertThatThrownBy(
                        () -> targets(spec, List.of("http://gpu1:11434", "http://b:1", "HTTP://GPU1:11434/"), Map.of()))
                .isInstanceOf(CommandRefusedException.class)
                .hasMessage("--base-url: the server http://gpu1:11434 is given twice (also as http://GPU1:11434); "
                        + "give each server once");
    }

    private List<ServerTarget> targets(JobSpec spec, List<String> urls, Map<String, String> variables) {
        SharedOptions.BaseUrl baseUrl = new SharedOptions.BaseUrl();
        baseUrl.urls.addAll(urls);
        CliEnvironment environment = new CliEnvironment(
                variables, dir, new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        try (ChosenServer server = ChosenServer.of(spec, baseUrl, new SharedOptions.Simulator(), environment)) {
            return server.targets();
        }
    }

    private JobSpec spec(String yaml) throws IOException {
        Path file = Files.writeString(dir.resolve("job.yaml"), yaml);
        return new SpecLoader(dir).load(file, Map.of(), Map.of());
    }
}

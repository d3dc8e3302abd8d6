package dev.promptbatch.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.json.JsonMapper;

class OutputLockTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    @Test
    void aSecondClaimIsRefusedNamingTheHolderUntilTheFirstLetsGo() throws IOException {
        Files.createDirectories(dir.resolve("out"));
        Path output = dir.resolve("out/z.jsonl");
        String database = dir.resolve("db").toString();
        long pid = ProcessHandle.current().pid();
        try (OutputLock lock = OutputLock.claim(output, "alpha", Map.of("date", "2026-11-21"), database)) {
            assertThat(Files.exists(dir.resolve("out/z.lock"))).isTrue();
            // Another format of the same output shares its errors file, manifest and summary.
            assertThatThrownBy(() -> OutputLock.claim(dir.resolve("out/z.csv"), "beta", Map.of(), database))
                    .isInstanceOf(RunRefusedException.class)
                    .hasMessage(dir.resolve("out/z.csv") + " is being written by job alpha (date=2026-11-21) "
                            + "(database " + database + ") in process " + pid + "; wait for it to finish, or give "
                            + "this job another output");
        }
        assertThat(Files.exists(dir.resolve("out/z.lock"))).isFalse();
        OutputLock.claim(output, "beta", Map.of(), database).close();
    }

    @Test
    void aLockLeftByAProcessThatIsGoneIsTakenOver() throws IOException, InterruptedException {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Files.createDirectories(dir.resolve("out"));
        Files.write(
                dir.resolve("out/z.lock"),
                JSON.writeValueAsBytes(
                        new OutputLock.Holder(gone.pid(), null, "alpha", Map.of(), "/elsewhere/db", Instant.now())));

        try (OutputLock lock = OutputLock.claim(
                dir.resolve("out/z.jsonl"), "beta", Map.of(), dir.resolve("db").toString())) {
            assertThat(Files.readString(dir.resolve("out/z.lock")))
                    .contains("\"job\":\"beta\"")
                    .contains("\"pid\":" + ProcessHandle.current().pid());
        }
    }

    @Test
    void aLockNamingALiveProcessIsRespectedEvenWhereTheFilesystemGrantsTheLock() throws IOException {
        ProcessHandle parent = ProcessHandle.current().parent().orElseThrow();
        Files.createDirectories(dir.resolve("out"));
        Files.write(
                dir.resolve("out/z.lock"),
                JSON.writeValueAsBytes(new OutputLock.Holder(
                        parent.pid(),
                        parent.info().startInstant().orElse(null),
                        "alpha",
                        Map.of(),
                        "/elsewhere/db",
                        Instant.now())));

        assertThatThrownBy(() -> OutputLock.claim(
                        dir.resolve("out/z.jsonl"),
                        "beta",
                        Map.of(),
                        dir.resolve("db").toString()))
                .isInstanceOf(RunRefusedException.class)
                .hasMessageContaining(
                        "is being written by job alpha (database /elsewhere/db) in process " + parent.pid() + ";");
    }
}

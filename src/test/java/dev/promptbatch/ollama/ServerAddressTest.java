package dev.promptbatch.ollama;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

class ServerAddressTest {
    @Test
    void theFirstAddressSetWinsAndItsCredentialsAreNeverShown() {
        Map<String, String> env = Map.of("OLLAMA_BASE_URL", "http://env-base:1", "OLLAMA_HOST", "host-only");
        assertThat(ServerAddress.resolve("http://option:2", "http://spec:3", env)
                        .display())
                .isEqualTo("http://option:2");
        assertThat(ServerAddress.resolve(null, "http://spec:3/", env).display()).isEqualTo("http://spec:3");
        assertThat(ServerAddress.resolve(null, null, env).display()).isEqualTo("http://env-base:1");
        assertThat(ServerAddress.resolve(null, null, Map.of("OLLAMA_HOST", "gpu"))
                        .display())
                .isEqualTo("http://gpu:11434");
        assertThat(ServerAddress.resolve(null, null, Map.of("OLLAMA_HOST", "0.0.0.0:8080"))
                        .display())
                .isEqualTo("http://0.0.0.0:8080");
        assertThat(ServerAddress.resolve(null, null, Map.of("OLLAMA_HOST", ":32819"))
                        .display())
                .isEqualTo("http://127.0.0.1:32819");
        assertThat(ServerAddress.resolve(null, null, Map.of()).display()).isEqualTo("http://127.0.0.1:11434");
        ServerAddress secret = ServerAddress.resolve("https://user:s3cret@llm.example:443", null, Map.of());
        assertThat(secret.display()).isEqualTo("https://llm.example:443").doesNotContain("s3cret");
        assertThat(secret.userInfo()).isEqualTo("user:s3cret");
    }
}

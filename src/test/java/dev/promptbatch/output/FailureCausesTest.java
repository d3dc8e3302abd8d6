package dev.promptbatch.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FailureCausesTest {
    @TempDir
    Path dir;

    @Test
    void readsTheKindsOfAnErrorsFileWrittenByAnEarlierVersion() throws IOException {
        Path errors = Files.writeString(dir.resolve("out.errors.jsonl"), """
                {"id":1,"line":2,"model":"llama3.2","seed":null,"kind":"retries-exhausted","message":"timed out (6 attempts)","attempts":6}
                {"id":2,"line":3,"model":"llama3.2","seed":null,"kind":"bad-record","message":"no field 'name'","attempts":0}
                {"id":3,"line":4,"model":"llama3.2","seed":null,"kind":"retries-exhausted","message":"timed out (6 attempts)","attempts":6}
                {"id":4,"line":5,"model":"llama3.2","seed":null,"kind":"rejected","message":"HTTP 400: too long","attempts":1}
                """);

        assertThat(FailureCauses.allFailed(errors, 4))
                .isEqualTo("all 4 records failed: 2 of them retries-exhausted: timed out (6 attempts)");
    }

    @Test
    void invalidOutputsShareTheirProblemWhateverTheAnswers() throws IOException {
        Path errors = Files.writeString(dir.resolve("out.errors.jsonl"), """
                {"id":null,"line":2,"model":"m","seed":42,"kind":"bad-record","message":"expected 5 fields, found 1","attempts":0}
                {"id":null,"line":3,"model":"m","seed":42,"kind":"bad-record","message":"expected 5 fields, found 1","attempts":0}
                {"id":"a","line":4,"model":"m","seed":42,"kind":"invalid-output","message":"the answer was cut short (done_reason: length) (asked 3 times, seeds 42 to 44); the answer: set before went","attempts":3}
                {"id":"b","line":5,"model":"m","seed":42,"kind":"invalid-output","message":"the answer was cut short (done_reason: length) (asked 3 times, seeds 42 to 44); the answer: picture green try","attempts":3}
                {"id":"c","line":6,"model":"m","seed":42,"kind":"invalid-output","message":"the answer was cut short (done_reason: length) (asked 3 times, seeds 42 to 44); the answer: river him said","attempts":3}
                """);

        assertThat(FailureCauses.allFailed(errors, 5))
                .isEqualTo("all 5 records failed: 3 of them invalid-output: the answer was cut short "
                        + "(done_reason: length) (asked 3 times, seeds 42 to 44)");
    }
}

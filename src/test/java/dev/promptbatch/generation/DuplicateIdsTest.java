package dev.promptbatch.generation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DuplicateIdsTest {
    @TempDir
    Path dir;

    @Test
    void countsEveryRepeatAmongAHundredThousandIdsAndFindsWhereTheExamplesFirstAppeared() throws IOException {
        StringBuilder csv = new StringBuilder("sku,name\n");
        DuplicateIds ids = new DuplicateIds(dir.resolve("in.csv"), 1 << 20, "sku");
        for (int n = 1; n <= 100_000; n++) {
            // Every thousandth record repeats the id of the record 500 lines before it.
            String sku = n % 1000 == 0 ? "S-" + (n - 500) : "S-" + n;
            csv.append(sku).append(",item ").append(n).append('\n');
            ids.add(sku, n + 1);
        }
        Files.writeString(dir.resolve("in.csv"), csv);

        assertThat(ids.describe())
                .hasValue("100 records have the id of an earlier record (id-field 'sku'; ids "
                        + "compare as text, so 1 and \"1\" are one id): 'S-500' on lines 501 and 1001, 'S-1500' on lines "
                        + "1501 and 2001, 'S-2500' on lines 2501 and 3001, ...; each answer carries its input line, and "
                        + "diff matches repeated ids in order of appearance");
    }
}

package dev.promptbatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class DatabaseOwnerTest {
    @Test
    void theRefusalNamesTheJobWithItsParametersAsTheRunsOwnMessagesDo() {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("date", "2026-11-21");
        parameters.put("lang", "en");
        Instant since = LocalDateTime.of(2026, 11, 21, 6, 30, 5)
                .atZone(ZoneId.systemDefault())
                .toInstant();
        DatabaseOwner.Owner owner = new DatabaseOwner.Owner(4242, null, "nightly", parameters, since);

        assertThat(owner.inUseMessage(Path.of("state/db")))
                .isEqualTo("the job database " + Path.of("state/db")
                        + " is in use: job nightly (date=2026-11-21, lang=en) is running in process 4242 since "
                        + "2026-11-21 06:30:05. Wait for it to finish, or use --db for another database.");
    }
}

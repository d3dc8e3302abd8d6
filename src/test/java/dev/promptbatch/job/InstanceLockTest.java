package dev.promptbatch.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One job instance at a time across processes sharing a PostgreSQL job database, on a real server. */
class InstanceLockTest {
    private static PostgresServer postgres;

    @BeforeAll
    static void startPostgres() {
        postgres = PostgresServer.start();
    }

    @AfterAll
    static void stopPostgres() {
        postgres.close();
    }

    @Test
    void aSecondRunOfTheSameJobIsRefusedNamingTheProcessThatHoldsIt() throws Exception {
        JobDatabase database = PostgresServer.jobDatabase(postgres.newDatabaseUrl());
        String holder = "promptbatch " + ProcessHandle.current().pid() + "@"
                + InetAddress.getLocalHost().getHostName();

        try (InstanceLock first = InstanceLock.claim(database, "nightly", Map.of("date", "2026-11-21"))) {
            assertThatThrownBy(() -> InstanceLock.claim(database, "nightly", Map.of("date", "2026-11-21")))
                    .isInstanceOf(RunRefusedException.class)
                    .hasMessageStartingWith("job nightly (date=2026-11-21) is running in " + holder + " since ")
                    .hasMessageEndingWith("(job database " + database.display()
                            + "); wait for it to finish, or run it with other --param values.");
        }
        InstanceLock.claim(database, "nightly", Map.of("date", "2026-11-21")).close();
    }

    @Test
    void differentJobsAndParametersRunSideBySide() {
        JobDatabase database = PostgresServer.jobDatabase(postgres.newDatabaseUrl());

        try (InstanceLock nightly = InstanceLock.claim(database, "nightly", Map.of("date", "2026-11-21"));
                InstanceLock otherDay = InstanceLock.claim(database, "nightly", Map.of("date", "2026-11-22"));
                InstanceLock otherJob = InstanceLock.claim(database, "catalogue", Map.of("date", "2026-11-21"));
                InstanceLock noParameters = InstanceLock.claim(database, "nightly", Map.of())) {
            assertThat(InstanceLock.key("nightly", Map.of("a", "b=c")))
                    .isNotEqualTo(InstanceLock.key("nightly", Map.of("a=b", "c")));
        }
    }

    @Test
    void theLockGoesWithItsSessionWhenTheProcessHoldingItIsGone() throws Exception {
        String url = postgres.newDatabaseUrl();
        JobDatabase database = PostgresServer.jobDatabase(url);
        InstanceLock dead = InstanceLock.claim(database, "nightly", Map.of());
        assertThatThrownBy(() -> InstanceLock.claim(database, "nightly", Map.of()))
                .isInstanceOf(RunRefusedException.class);

        // The session of a process killed with -9 ends as this one is ended: without an unlock.
        try (Connection admin = postgres.connect(url.substring(url.lastIndexOf('/') + 1));
                PreparedStatement terminate = admin.prepareStatement("select pg_terminate_backend(pid) "
                        + "from pg_stat_activity where application_name = ? and datname = current_database() "
                        + "and pid <> pg_backend_pid()")) {
            terminate.setString(1, JobDatabase.applicationName());
            try (ResultSet ended = terminate.executeQuery()) {
                assertThat(ended.next()).isTrue();
            }
        }

        try (InstanceLock next = awaitLock(database)) {
            assertThat(next).isNotNull();
        } finally {
            dead.close();
        }
    }

    /** The ended session's locks are released as the server finishes ending it, a moment after the request. */
    private static InstanceLock awaitLock(JobDatabase database) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            try {
                return InstanceLock.claim(database, "nightly", Map.of());
            } catch (RunRefusedException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }
}

package dev.promptbatch.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
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

    @Test
    void aLockWhoseSessionEndedUnderTheRunIsReportedLostAtTheNextCheck() throws Exception {
        String url = postgres.newDatabaseUrl();
        JobDatabase database = PostgresServer.jobDatabase(url);
        try (InstanceLock lock = InstanceLock.claim(database, "nightly", Map.of("date", "2026-11-21"))) {
            lock.confirmHeld();

            try (Connection admin = postgres.connect(url.substring(url.lastIndexOf('/') + 1))) {
                terminateHolder(admin, InstanceLock.key("nightly", Map.of("date", "2026-11-21")));
            }

            assertThatThrownBy(lock::confirmHeld)
                    .isInstanceOf(InstanceLostException.class)
                    .hasMessageStartingWith("lost the lock on job nightly (date=2026-11-21) at " + url + ": ")
                    .hasMessageEndingWith("; run the same command again to resume");
        }
    }

    @Test
    void aLockTheDatabaseRefusesIsARefusalNamingTheDatabaseAndTheCause() throws Exception {
        String url = postgres.newDatabaseUrl();
        String name = url.substring(url.lastIndexOf('/') + 1);
        try (Connection admin = postgres.connect(name);
                Statement statement = admin.createStatement()) {
            statement.execute("create role no_locks login");
            statement.execute("revoke execute on function pg_try_advisory_lock(bigint) from public");
        }
        JobDatabase database = new JobDatabase(null, url, "no_locks", null);

        assertThatThrownBy(() -> InstanceLock.claim(database, "nightly", Map.of("date", "2026-11-21")))
                .isInstanceOf(RunRefusedException.class)
                .hasMessage("cannot lock job nightly (date=2026-11-21) in " + url
                        + ": ERROR: permission denied for function pg_try_advisory_lock");
    }

    /** Ends the session holding that lock, as a firewall or an idle timeout would, and waits until it is gone. */
    static void terminateHolder(Connection admin, long key) throws Exception {
        int pid;
        try (PreparedStatement holder = admin.prepareStatement("select pid from pg_locks where locktype = 'advisory' "
                + "and granted and objsubid = 1 and classid::bigint = ? and objid::bigint = ?")) {
            holder.setLong(1, key >>> 32);
            holder.setLong(2, key & 0xffffffffL);
            try (ResultSet row = holder.executeQuery()) {
                assertThat(row.next()).isTrue();
                pid = row.getInt(1);
            }
        }
        try (PreparedStatement terminate = admin.prepareStatement("select pg_terminate_backend(?)")) {
            terminate.setInt(1, pid);
            terminate.execute();
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        try (PreparedStatement alive = admin.prepareStatement("select count(*) from pg_stat_activity where pid = ?")) {
            alive.setInt(1, pid);
            while (true) {
                try (ResultSet row = alive.executeQuery()) {
                    row.next();
                    if (row.getInt(1) == 0) {
                        return;
                    }
                }
                assertThat(System.nanoTime())
                        .as("the session %d still runs", pid)
                        .isLessThan(deadline);
            }
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

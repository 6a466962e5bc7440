package dev.pop3x.ledger;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.pop3x.testsupport.LedgerDatabase;
import dev.pop3x.testsupport.ObservedDataSource;
import dev.pop3x.testsupport.PostgresExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.ds.PGSimpleDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The ledger contract on a real PostgreSQL, and what only a store shared by several nodes does: an open fences the
 * holder before it (also while one of its writes is in progress), the durability barrier, tables created at start
 * (by two nodes at once, or by a DBA), batched statements, and clear errors.
 */
class JdbcLedgerIT extends MailboxLedgerContract {

    /** The WAL writer flushes asynchronous commits only every 10 s: a test sees what the barrier flushes. */
    @RegisterExtension
    static PostgresExtension postgres = new PostgresExtension().withDatabase("ledger")
            .withSetting("wal_writer_delay=10s").withSetting("autovacuum=off");

    private static final String OTHER_MAILBOX = "bob@mail.example.com:995";

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeEach
    void emptyDatabase() throws SQLException {
        LedgerDatabase.dropTables(postgres.pool());
    }

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    @Override
    protected Ledger ledger() {
        return started(postgres.pool()); // a new instance each time, like a restarted node
    }

    @Override
    protected boolean takesOverAHeldMailbox() {
        return true;
    }

    private static JdbcLedger started(DataSource dataSource) {
        JdbcLedger ledger = new JdbcLedger(dataSource);
        ledger.start();
        return ledger;
    }

    private static Transition newClaim(String uid) {
        return new Transition(null, LedgerEntry.claimedFirst(uid, "me", 1000));
    }

    @Test
    void anOpenFencesEveryWriteOfTheHolderBeforeAndNoOtherMailbox() throws Exception {
        try (MailboxLedger first = ledger().open(MAILBOX); MailboxLedger other = ledger().open(OTHER_MAILBOX)) {
            create(first, "a");
            create(other, "a");
            try (MailboxLedger second = ledger().open(MAILBOX)) {
                assertThat(second.fencingToken()).isEqualTo(first.fencingToken() + 1);
                assertThatThrownBy(() -> first.apply(List.of(newClaim("b")), Durability.AT_BARRIER))
                        .isInstanceOf(LedgerFencedException.class)
                        .hasMessageContaining("another consumer opened it (epoch " + second.fencingToken() + ";")
                        .hasMessageContaining("need clustered=true");
                assertThatThrownBy(() -> first.prune(Long.MAX_VALUE)).isInstanceOf(LedgerFencedException.class);
                assertThatThrownBy(first::awaitDurable).isInstanceOf(LedgerFencedException.class);
                assertThat(second.load(List.of("a", "b"), 10)).containsOnlyKeys("a");

                // the other mailbox has its own epoch
                create(other, "b");
                other.awaitDurable();
                other.load(List.of("a", "b"), 10);
                assertThat(other.prune(10)).isZero();
                assertThat(other.size()).isEqualTo(2);
            }
        }
    }

    @Test
    void anOpenWaitsForAWriteInProgressAndTheHoldersNextWriteIsRefused() throws Exception {
        ObservedDataSource observed = new ObservedDataSource(postgres.pool());
        CountDownLatch inTransaction = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean holdNextCommit = new AtomicBoolean();
        observed.onCommit(() -> {
            if (holdNextCommit.getAndSet(false)) {
                inTransaction.countDown();
                assertThat(release.await(30, TimeUnit.SECONDS)).isTrue();
            }
        });
        try (MailboxLedger first = started(observed.dataSource()).open(MAILBOX)) {
            holdNextCommit.set(true);
            Future<List<Transition>> write = threads.submit(() -> first.apply(List.of(newClaim("x")), Durability.NOW));
            assertThat(inTransaction.await(30, TimeUnit.SECONDS)).isTrue(); // fenced and written, not committed

            Future<MailboxLedger> takeover = threads.submit(() -> ledger().open(MAILBOX));
            awaitSessionsWaitingForALock(1);
            assertThat(takeover).isNotDone();
            release.countDown();

            assertThat(write.get(30, TimeUnit.SECONDS)).hasSize(1); // it came before the open
            try (MailboxLedger second = takeover.get(30, TimeUnit.SECONDS)) {
                assertThat(second.fencingToken()).isEqualTo(first.fencingToken() + 1);
                assertThatThrownBy(() -> first.apply(List.of(newClaim("y")), Durability.NOW))
                        .isInstanceOf(LedgerFencedException.class);
                assertThat(second.load(List.of("x", "y"), 10)).containsOnlyKeys("x");
            }
        }
    }

    @Test
    void aWriteThatMeetsAnOpenInProgressWaitsForItAndIsRefused() throws Exception {
        try (MailboxLedger first = ledger().open(MAILBOX)) {
            LedgerEntry a = create(first, "a");
            try (Connection bump = postgres.pool().getConnection()) {
                bump.setAutoCommit(false);
                try (PreparedStatement ps = bump.prepareStatement(JdbcLedgerSql.OPEN)) {
                    ps.setString(1, MAILBOX);
                    ps.executeQuery().close(); // the epoch is incremented, not committed yet
                }
                Future<List<Transition>> write = threads.submit(() -> first.apply(
                        List.of(new Transition(a, a.completed(MessageState.DONE, 2000)), newClaim("b")),
                        Durability.AT_BARRIER));
                awaitSessionsWaitingForALock(1);
                bump.commit();
                assertThatThrownBy(() -> write.get(30, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(LedgerFencedException.class);
            }
            try (MailboxLedger third = ledger().open(MAILBOX)) {
                assertThat(third.load(List.of("a", "b"), 10)).containsOnly(Map.entry("a", a));
            }
        }
    }

    @Test
    void writesAtTheBarrierAreCommittedWithoutWaitingForTheFlushAndTheBarrierFlushesThem() throws Exception {
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            m.apply(List.of(newClaim("a")), Durability.AT_BARRIER);
            String written = sql("SELECT pg_current_wal_insert_lsn()");
            assertThat(lsnFlushedUpTo(written)).as("flushed before the barrier").isFalse();
            m.awaitDurable();
            assertThat(lsnFlushedUpTo(written)).as("flushed by the barrier").isTrue();

            m.apply(List.of(newClaim("b")), Durability.NOW);
            assertThat(lsnFlushedUpTo(sql("SELECT pg_current_wal_insert_lsn()"))).as("NOW is flushed").isTrue();
        }
    }

    @Test
    void aWindowOf500TransitionsAndALoadOf5000UidlsAreAFewRoundTrips() throws Exception {
        ObservedDataSource observed = new ObservedDataSource(postgres.pool());
        List<String> snapshot = IntStream.range(0, 5000).mapToObj(i -> "uid-" + i).toList();
        try (MailboxLedger m = started(observed.dataSource()).open(MAILBOX)) {
            int before = observed.roundTrips();
            List<Transition> claims = snapshot.subList(0, 500).stream().map(JdbcLedgerIT::newClaim).toList();
            assertThat(m.apply(claims, Durability.AT_BARRIER)).hasSize(500);
            List<Transition> completions = claims.stream()
                    .map(t -> new Transition(t.to(), t.to().completed(MessageState.DONE, 2000))).toList();
            assertThat(m.apply(completions, Durability.AT_BARRIER)).hasSize(500);
            m.awaitDurable();
            assertThat(observed.roundTrips() - before).as("two windows and a barrier").isLessThanOrEqualTo(8);

            before = observed.roundTrips();
            assertThat(m.load(snapshot, 10)).hasSize(500);
            assertThat(m.prune(10)).isZero();
            assertThat(observed.roundTrips() - before).as("the idle poll's load and prune").isEqualTo(2);
        }
    }

    @Test
    void aPoolThatLendsConnectionsWithoutAutoCommitLosesNoOpenAndNoWrite() throws Exception {
        HikariConfig config = LedgerDatabase.config(postgres.jdbcUrl(), postgres.user(), postgres.password());
        config.setAutoCommit(false);
        try (HikariDataSource manual = new HikariDataSource(config)) {
            try (MailboxLedger m = started(manual).open(MAILBOX)) {
                assertThat(m.fencingToken()).isEqualTo(1);
                create(m, "a");
            }
            try (MailboxLedger m = started(manual).open(MAILBOX)) {
                assertThat(m.fencingToken()).isEqualTo(2);
                assertThat(m.load(List.of("a"), 10)).containsOnlyKeys("a");
            }
        }
    }

    @Test
    void twoLedgersStartingAtOnceBothCreateTheTables() throws Exception {
        for (int round = 0; round < 5; round++) {
            LedgerDatabase.dropTables(postgres.pool());
            CyclicBarrier together = new CyclicBarrier(2);
            List<Future<JdbcLedger>> starts = new ArrayList<>();
            for (int node = 0; node < 2; node++) {
                starts.add(threads.submit(() -> {
                    together.await(30, TimeUnit.SECONDS);
                    return started(postgres.pool());
                }));
            }
            for (Future<JdbcLedger> start : starts) {
                try (MailboxLedger m = start.get(30, TimeUnit.SECONDS).open(MAILBOX)) {
                    create(m, "a" + m.fencingToken());
                }
            }
            assertThat(sql("SELECT count(*) FROM pop3x_ledger")).isEqualTo("2");
        }
    }

    @Test
    void tablesADbaCreatedServeAUserWhoMayNotCreateTables() throws Exception {
        try (Connection c = postgres.pool().getConnection(); Statement s = c.createStatement()) {
            s.execute(JdbcLedgerSql.CREATE_MAILBOX_TABLE);
            s.execute(JdbcLedgerSql.CREATE_ENTRY_TABLE);
            s.execute("DROP ROLE IF EXISTS pop3x_app");
            s.execute("CREATE ROLE pop3x_app LOGIN PASSWORD 'app-secret'");
            s.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
            s.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON pop3x_mailbox, pop3x_ledger TO pop3x_app");
        }
        try {
            JdbcLedger ledger = started(dataSource("pop3x_app", "app-secret", postgres.port()));
            try (MailboxLedger m = ledger.open(MAILBOX)) {
                create(m, "a");
                assertThat(m.prune(0)).isZero();
            }
            LedgerDatabase.dropTables(postgres.pool());
            assertThatThrownBy(() -> started(dataSource("pop3x_app", "app-secret", postgres.port())))
                    .hasStackTraceContaining("permission denied for schema public");
        } finally {
            try (Connection c = postgres.pool().getConnection(); Statement s = c.createStatement()) {
                s.execute("DROP OWNED BY pop3x_app");
                s.execute("DROP ROLE pop3x_app");
            }
        }
    }

    @Test
    void aWrongPasswordOrAnUnreachableDatabaseIsAClearErrorWithoutThePassword() throws Exception {
        String password = "Wrong-Secret-4711";
        assertThatThrownBy(() -> started(dataSource(postgres.user(), password, postgres.port())))
                .hasStackTraceContaining("Cannot check the ledger tables in the ledger database (option dataSource):"
                                         + " FATAL: password authentication failed for user \"pop3x\"")
                .satisfies(e -> assertThat(stackTrace(e)).doesNotContain(password));
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        assertThatThrownBy(() -> started(dataSource(postgres.user(), password, closedPort)))
                .hasStackTraceContaining("Cannot check the ledger tables in the ledger database (option dataSource):")
                .hasStackTraceContaining("127.0.0.1:" + closedPort + " refused")
                .satisfies(e -> assertThat(stackTrace(e)).doesNotContain(password));
        assertThat(new JdbcLedger(dataSource(postgres.user(), password, closedPort)).toString())
                .isEqualTo("JdbcLedger[PGSimpleDataSource]");
    }

    private static DataSource dataSource(String user, String password, int port) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] { PostgresExtension.IP });
        ds.setPortNumbers(new int[] { port });
        ds.setDatabaseName(postgres.database());
        ds.setUser(user);
        ds.setPassword(password);
        return ds;
    }

    private static String stackTrace(Throwable e) {
        StringWriter out = new StringWriter();
        e.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    /** Sessions of the database blocked on a lock (an open behind a write, or a write behind an open). */
    private static void awaitSessionsWaitingForALock(int sessions) {
        await().atMost(Duration.ofSeconds(30)).until(
                () -> Integer.parseInt(sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"))
                      >= sessions);
    }

    private static boolean lsnFlushedUpTo(String lsn) throws SQLException {
        return "true".equals(sql("SELECT (pg_current_wal_flush_lsn() >= '" + lsn + "'::pg_lsn)::text"));
    }

    private static String sql(String query) throws SQLException {
        try (Connection c = postgres.pool().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getString(1);
        }
    }
}

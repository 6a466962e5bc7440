package dev.pop3x;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.zaxxer.hikari.HikariDataSource;
import dev.pop3x.testsupport.ChildJvm;
import dev.pop3x.testsupport.CuttingProxy;
import dev.pop3x.testsupport.CuttingProxy.Command;
import dev.pop3x.testsupport.CuttingProxy.Session;
import dev.pop3x.testsupport.DovecotExtension;
import dev.pop3x.testsupport.LedgerDatabase;
import dev.pop3x.testsupport.LoopbackSockets;
import dev.pop3x.testsupport.Pop3TestClient;
import dev.pop3x.testsupport.PostgresExtension;
import dev.pop3x.testsupport.ZooKeeperExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.pop3x.ClusterEvents.completed;
import static dev.pop3x.ClusterEvents.count;
import static dev.pop3x.ClusterEvents.duplicates;
import static dev.pop3x.ClusterEvents.lastOf;
import static dev.pop3x.ClusterEvents.startedPerNode;
import static dev.pop3x.ClusterEvents.starts;
import static dev.pop3x.ClusterEvents.uids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link ClusterFailoverIT} on the engines of a production cluster: two or three {@code clustered=true} consumer JVMs
 * on one Dovecot mailbox, elected through camel-zookeeper's {@code ZooKeeperClusterService} (one real ZooKeeper, session
 * timeout 6 s), with the ledger in one real PostgreSQL ({@code dataSource=#pg}). A proxy in front of Dovecot tells the
 * nodes apart by the process that holds each connection's socket, so every POP3 command is known by node and time.
 *
 * <p>The leader, blocked in its tenth mail, is either killed with {@code kill -9} (with three nodes, the second leader
 * too) or paused with {@code SIGSTOP} until the other node has taken over and delivered the blocked mail again, then
 * resumed with its blocked exchange released.
 * Every mail reaches a route, no mail is deleted before an Exchange completed it, and only mails in flight on the node
 * that went reach a route twice: after a kill the blocked mail; after a pause also the mails the paused node had
 * retrieved and not yet routed, which it routes when it runs again until it notices that it lost the mailbox. The
 * resumed node sends no RETR, DELE or QUIT and opens no session: its completions are refused by the ledger's epoch,
 * so they never lead to a DELE. The takeover time is printed.
 */
class ZooKeeperPostgresFailoverIT {

    private static final int MAILS = 40;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    static DovecotExtension dovecot = new DovecotExtension();

    @RegisterExtension
    static PostgresExtension postgres = new PostgresExtension().withDatabase("failover");

    @RegisterExtension
    static ZooKeeperExtension zookeeper = new ZooKeeperExtension();

    private static final AtomicInteger TESTS = new AtomicInteger();
    private static HikariDataSource pool;

    @TempDir
    Path dir;

    private final List<Process> nodes = new CopyOnWriteArrayList<>(); // read by the proxy's thread
    private CuttingProxy proxy;
    private final List<Path> events = new ArrayList<>();
    private Set<String> all;
    private List<String> byNumber; // the mailbox's UIDLs by message number, as the first session sees them
    private Path gate;

    @BeforeAll
    static void openPool() {
        pool = LedgerDatabase.pooled(postgres);
    }

    @AfterAll
    static void closePool() {
        if (pool != null) {
            pool.close();
        }
    }

    @BeforeEach
    void fillMailbox() throws SQLException {
        LedgerDatabase.dropTables(pool);
        dovecot.clearMailbox();
        for (int i = 0; i < MAILS; i++) {
            dovecot.deliver("From: a@example.com\r\nSubject: failover " + i + "\r\nMessage-ID: <failover-" + i
                            + "@example.com>\r\n\r\nmail " + i + "\r\n");
        }
        byNumber = Pop3TestClient.uids("127.0.0.1", dovecot.pop3Port(), DovecotExtension.USER,
                DovecotExtension.PASSWORD);
        all = new HashSet<>(byNumber);
        assertThat(all).hasSize(MAILS);
    }

    @AfterEach
    void stop() throws IOException {
        nodes.forEach(Process::destroyForcibly); // SIGKILL ends a stopped process too
        if (proxy != null) {
            proxy.close();
        }
    }

    @ParameterizedTest(name = "kill -9 of the leader, {0} nodes, {1}")
    @CsvSource({ "2, delete=true", "2, delete=false", "3, delete=true" })
    void theKilledLeaderIsReplacedAndNothingIsLostNorDeletedBeforeItsExchangeCompleted(int nodeCount, String options)
            throws Exception {
        startNodes(nodeCount, options);
        Set<String> inFlightOnKilled = new HashSet<>();
        List<Long> takeoverMillis = new ArrayList<>();
        for (int kill = 1; kill < nodeCount; kill++) { // with three nodes the second leader is killed the same way
            int leader = awaitBlockedNode();
            inFlightOnKilled.add(lastOf(events.get(leader), "B "));
            assertThat(count(events.get(leader), "D ")).as("completed on the leader before the kill")
                    .isEqualTo(ClusterTestConsumer.BLOCK_AT - 1);
            assertThat(completed(events)).containsAll(deleted());

            Map<Integer, Integer> startedBefore = startedPerNode(events);
            if (kill < nodeCount - 1) {
                Files.createFile(gate); // the next leader blocks in its tenth mail too
            }
            long killedAt = System.nanoTime();
            nodes.get(leader).destroyForcibly(); // SIGKILL: no QUIT, its ZooKeeper session ends when it times out
            awaitTakeover(leader, startedBefore);
            takeoverMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
            assertThat(nodes.get(leader).waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        awaitAllDone(options);

        List<Session> sessions = proxy.sessions();
        System.out.printf("ZooKeeper + PostgreSQL failover, kill -9 of the leader, %d nodes, %s: %d mails,"
                          + " %d route starts, duplicates %s, in flight on the killed nodes %s, %d POP3 sessions,"
                          + " at most %d at once, takeover after kill -9 in ms: %s%n",
                nodeCount, options, MAILS, routeStarts(), duplicates(events), inFlightOnKilled, sessions.size(),
                maxConcurrent(sessions), takeoverMillis);
        assertEveryMailDeliveredAndOnlyInFlightOnesTwice(inFlightOnKilled);
        assertThat(maxConcurrent(sessions)).as("POP3 sessions open at once").isEqualTo(1);
        // the ZooKeeper session timeout (6 s) and the standby's next poll, with room for a busy CI
        assertThat(takeoverMillis).allMatch(ms -> ms < 20_000);
    }

    @ParameterizedTest(name = "SIGSTOP of the leader past its session, then SIGCONT, {0}")
    @ValueSource(strings = { "delete=true", "delete=false" })
    void thePausedLeaderIsReplacedAndWhenResumedSendsNothingAndDeletesNothing(String options) throws Exception {
        startNodes(2, options);
        int paused = awaitBlockedNode();
        String blocked = lastOf(events.get(paused), "B ");
        Map<Integer, Integer> startedBefore = startedPerNode(events);
        long pausedAt = System.nanoTime();
        signal(nodes.get(paused), "STOP"); // its POP3 connection and its ZooKeeper session stay open, silent
        int next = awaitTakeover(paused, startedBefore);
        long takeoverMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - pausedAt);
        // the new leader took the paused node's claim over and delivered the blocked mail again
        await().atMost(WAIT).until(() -> uids(events.get(next), "D ").contains(blocked));

        int pausedSessions = sessionsOf(paused).size();
        // the paused node's first session is the first on the mailbox: its message numbers are those of byNumber
        assertThat(proxy.sessions().get(0).client()).isEqualTo("node-" + paused);
        assertThat(pausedSessions).as("sessions of the paused node before the pause").isEqualTo(1);
        Set<String> retrievedBeforePause = new HashSet<>();
        sessionsOf(paused).get(0).commands().stream().filter(c -> c.line().startsWith("RETR "))
                .forEach(c -> retrievedBeforePause.add(byNumber.get(Integer.parseInt(c.line().substring(5)) - 1)));
        Set<String> routedBeforePause = new HashSet<>(uids(events.get(paused), "S "));
        // its blocked exchange completes the moment it runs again, before its view can tell it that it lost
        Files.createFile(gate.resolveSibling(gate.getFileName() + ".release"));
        long resumedAt = System.nanoTime();
        signal(nodes.get(paused), "CONT");
        await().atMost(WAIT).until(() -> uids(events.get(paused), "D ").contains(blocked));
        // it notices and closes its session (without QUIT)
        await().atMost(WAIT).until(() -> sessionsOf(paused).stream().allMatch(s -> s.endedNanos().isPresent()));
        long noticedMillis = TimeUnit.NANOSECONDS.toMillis(sessionsOf(paused).stream()
                .mapToLong(s -> s.endedNanos().getAsLong()).max().getAsLong() - resumedAt);
        awaitAllDone(options);

        Set<String> routedAfterResume = new HashSet<>(uids(events.get(paused), "S "));
        routedAfterResume.removeAll(routedBeforePause);
        Set<String> completedBeforePauseAgain = new HashSet<>(duplicates(events));
        completedBeforePauseAgain.retainAll(routedBeforePause);
        completedBeforePauseAgain.remove(blocked);
        List<Session> sessions = proxy.sessions();
        List<String> sentAfterResume = sessionsOf(paused).stream().flatMap(s -> s.commands().stream())
                .filter(c -> c.nanos() > resumedAt).map(Command::line).toList();
        System.out.printf("ZooKeeper + PostgreSQL failover, SIGSTOP of the leader, %s: %d mails, %d route starts,"
                          + " duplicates %s, in flight on the paused node [%s], %d POP3 sessions, at most %d open at"
                          + " once, takeover after SIGSTOP in ms: %d, its session closed %d ms after SIGCONT,"
                          + " commands it sent after SIGCONT: %s, mails it had retrieved before SIGSTOP: %d, of them"
                          + " routed after SIGCONT (before it noticed): %d, routed again of those it had completed before"
                          + " SIGSTOP: %d%n",
                options, MAILS, routeStarts(), duplicates(events), blocked, sessions.size(),
                maxConcurrent(sessions), takeoverMillis, noticedMillis, sentAfterResume, retrievedBeforePause.size(),
                routedAfterResume.size(), completedBeforePauseAgain.size());
        // in flight on the paused node: the blocked mail, and the mails it had retrieved (RETR) but not routed before
        // the pause; it routes some of those after SIGCONT, until it notices that it lost the mailbox
        assertThat(retrievedBeforePause).contains(blocked).containsAll(routedAfterResume);
        assertThat(uids(events.get(paused), "S ")).as("every mail routed twice was in the paused node's route")
                .containsAll(duplicates(events));
        assertEveryMailDeliveredAndOnlyInFlightOnesTwice(retrievedBeforePause);
        assertThat(sentAfterResume).as("commands of the resumed node").noneMatch(
                line -> line.startsWith("RETR") || line.startsWith("DELE") || line.startsWith("QUIT"));
        assertThat(sessionsOf(paused)).as("sessions of the resumed node").hasSize(pausedSessions);
        assertNoTwoSessionsRetrieveOrDeleteAtOnce(sessions);
        assertThat(takeoverMillis).isLessThan(20_000);
        assertThat(noticedMillis).as("its session open after SIGCONT, ms").isLessThan(5_000);
    }

    private void startNodes(int count, String options) throws IOException {
        gate = Files.createFile(dir.resolve("gate"));
        // an election of its own: a node of the test before, killed, stays a member until its session times out
        List<String> jvmOptions = List.of("-Xmx256m",
                "-D" + ClusterTestConsumer.ZOOKEEPER + "=" + zookeeper.connectString(),
                "-D" + ClusterTestConsumer.ZOOKEEPER_BASE_PATH + "=/pop3x/failover-" + TESTS.incrementAndGet(),
                "-D" + CrashTestConsumer.JDBC_URL + "=" + postgres.jdbcUrl(),
                "-D" + CrashTestConsumer.JDBC_USER + "=" + postgres.user(),
                "-D" + CrashTestConsumer.JDBC_PASSWORD + "=" + postgres.password());
        proxy = new CuttingProxy(dovecot.pop3Port());
        proxy.identifyClients(port -> {
            List<Long> pids = nodes.stream().map(Process::pid).toList();
            return LoopbackSockets.owner(port, pids).stream().mapToObj(pid -> "node-" + pids.indexOf(pid))
                    .findFirst().orElse("unknown");
        });
        for (int i = 0; i < count; i++) {
            events.add(dir.resolve("events-" + i + ".txt"));
            nodes.add(ChildJvm.start(jvmOptions, ClusterTestConsumer.class, dir.resolve("node-" + i + ".log"),
                    String.valueOf(proxy.port()), dir.resolve("ledger-" + i).toString(), dir.toString(),
                    events.get(i).toString(), gate.toString(), options + "&dataSource=#pg"));
        }
    }

    /** Waits until a node is blocked in a mail (it took the gate) and returns its index. */
    private int awaitBlockedNode() {
        int[] blocked = { -1 };
        await().atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(() -> {
            for (int i = 0; i < events.size(); i++) {
                if (nodes.get(i).isAlive() && count(events.get(i), "B ") > 0) {
                    blocked[0] = i;
                    return true;
                }
            }
            return false;
        });
        return blocked[0];
    }

    /** Waits until another node than {@code gone} starts a mail and returns its index. */
    private int awaitTakeover(int gone, Map<Integer, Integer> startedBefore) {
        int[] next = { -1 };
        await().atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(() -> {
            Map<Integer, Integer> started = startedPerNode(events);
            for (int i = 0; i < events.size(); i++) {
                if (i != gone && started.get(i) > startedBefore.get(i)) {
                    next[0] = i;
                    return true;
                }
            }
            return false;
        });
        return next[0];
    }

    private void awaitAllDone(String options) {
        boolean delete = options.contains("delete=true");
        await().atMost(WAIT).until(() -> delete ? serverUids().isEmpty() : completed(events).containsAll(all));
    }

    private void assertEveryMailDeliveredAndOnlyInFlightOnesTwice(Set<String> inFlight) throws IOException {
        assertThat(proxy.sessions()).as("sessions by node").allMatch(s -> s.client().startsWith("node-"));
        assertThat(starts(events).keySet()).isEqualTo(all); // every mail reached a route
        assertThat(completed(events)).isEqualTo(all); // and completed in one
        assertThat(completed(events)).containsAll(deleted());
        assertThat(duplicates(events)).isSubsetOf(inFlight); // only mails in flight on the node that went
        assertThat(starts(events).values()).allMatch(times -> times <= 2);
    }

    /** Of any two sessions, one sent its last RETR or DELE before the other sent its first. */
    private static void assertNoTwoSessionsRetrieveOrDeleteAtOnce(List<Session> sessions) {
        List<long[]> spans = new ArrayList<>();
        for (Session s : sessions) {
            List<Long> times = s.commands().stream()
                    .filter(c -> c.line().startsWith("RETR") || c.line().startsWith("DELE")).map(Command::nanos)
                    .toList();
            if (!times.isEmpty()) {
                spans.add(new long[] { times.get(0), times.get(times.size() - 1) });
            }
        }
        spans.sort(Comparator.comparingLong(span -> span[0]));
        for (int i = 1; i < spans.size(); i++) {
            assertThat(spans.get(i)[0]).as("first RETR/DELE of a session after the last of the session before")
                    .isGreaterThan(spans.get(i - 1)[1]);
        }
    }

    /** The most sessions open at the same time. */
    private static int maxConcurrent(List<Session> sessions) {
        List<long[]> edges = new ArrayList<>(); // time, +1 open / -1 end
        for (Session s : sessions) {
            edges.add(new long[] { s.openedNanos(), 1 });
            edges.add(new long[] { s.endedNanos().orElse(Long.MAX_VALUE), -1 });
        }
        edges.sort(Comparator.<long[]> comparingLong(e -> e[0]).thenComparingLong(e -> e[1]));
        int open = 0;
        int max = 0;
        for (long[] edge : edges) {
            open += (int) edge[1];
            max = Math.max(max, open);
        }
        return max;
    }

    private List<Session> sessionsOf(int node) {
        return proxy.sessions().stream().filter(s -> s.client().equals("node-" + node)).toList();
    }

    private int routeStarts() throws IOException {
        return starts(events).values().stream().mapToInt(Integer::intValue).sum();
    }

    private Set<String> deleted() {
        Set<String> gone = new HashSet<>(all);
        gone.removeAll(serverUids());
        return gone;
    }

    private static void signal(Process process, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -" + signal).isTrue();
    }

    private static Set<String> serverUids() {
        return new HashSet<>(
                Pop3TestClient.uids("127.0.0.1", dovecot.pop3Port(), DovecotExtension.USER, DovecotExtension.PASSWORD));
    }
}

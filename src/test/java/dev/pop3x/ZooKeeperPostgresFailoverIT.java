package dev.pop3x;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.pop3x.FailoverCluster.Kills;
import dev.pop3x.testsupport.DovecotExtension;
import dev.pop3x.testsupport.LedgerDatabase;
import dev.pop3x.testsupport.PostgresExtension;
import dev.pop3x.testsupport.ZooKeeperExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.pop3x.ClusterEvents.lastOf;
import static dev.pop3x.ClusterEvents.startedPerNode;
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

    @RegisterExtension
    static DovecotExtension dovecot = new DovecotExtension();

    @RegisterExtension
    static PostgresExtension postgres = new PostgresExtension().withDatabase("failover");

    @RegisterExtension
    static ZooKeeperExtension zookeeper = new ZooKeeperExtension();

    private static final AtomicInteger TESTS = new AtomicInteger();

    @TempDir
    Path dir;

    private FailoverCluster cluster;

    @BeforeEach
    void fillMailbox() throws Exception {
        LedgerDatabase.dropTables(postgres.pool());
        cluster = new FailoverCluster(dovecot, dir);
    }

    @AfterEach
    void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @ParameterizedTest(name = "kill -9 of the leader, {0} nodes, {1}")
    @CsvSource({ "2, delete=true", "2, delete=false", "3, delete=true" })
    void theKilledLeaderIsReplacedAndNothingIsLostNorDeletedBeforeItsExchangeCompleted(int nodeCount, String options)
            throws Exception {
        startNodes(nodeCount, options);
        Kills kills = cluster.killLeadersMidBatch(); // with three nodes the second leader is killed the same way
        cluster.awaitAllDone(options);

        System.out.printf("ZooKeeper + PostgreSQL failover, kill -9 of the leader, %d nodes, %s: %d mails,"
                          + " %d route starts, duplicates %s, in flight on the killed nodes %s, %d POP3 sessions,"
                          + " at most %d at once, takeover after kill -9 in ms: %s%n",
                nodeCount, options, FailoverCluster.MAILS, cluster.routeStarts(), cluster.duplicateMails(),
                kills.inFlight(), cluster.proxy().sessions().size(), cluster.proxy().maxConcurrentSessions(),
                kills.takeoverMillis());
        cluster.assertEveryMailDeliveredAndOnlyInFlightOnesTwice(kills.inFlight());
        assertThat(cluster.proxy().maxConcurrentSessions()).as("POP3 sessions open at once").isEqualTo(1);
        // the ZooKeeper session timeout (6 s) and the standby's next poll, with room for a busy CI
        assertThat(kills.takeoverMillis()).allMatch(ms -> ms < 20_000);
    }

    @ParameterizedTest(name = "SIGSTOP of the leader past its session, then SIGCONT, {0}")
    @ValueSource(strings = { "delete=true", "delete=false" })
    void thePausedLeaderIsReplacedAndWhenResumedSendsNothingAndDeletesNothing(String options) throws Exception {
        startNodes(2, options);
        int paused = cluster.awaitBlockedNode();
        String blocked = lastOf(cluster.events(paused), "B ");
        Map<Integer, Integer> startedBefore = startedPerNode(cluster.events());
        long pausedAt = System.nanoTime();
        cluster.signal(paused, "STOP"); // its POP3 connection and its ZooKeeper session stay open, silent
        int next = cluster.awaitTakeover(paused, startedBefore);
        long takeoverMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - pausedAt);
        // the new leader took the paused node's claim over and delivered the blocked mail again
        await().atMost(FailoverCluster.WAIT).until(() -> uids(cluster.events(next), "D ").contains(blocked));

        int pausedSessions = cluster.sessionsOf(paused).size();
        // the paused node's first session is the first on the mailbox: its message numbers are those of byNumber
        assertThat(cluster.proxy().sessions().get(0).client()).isEqualTo("node-" + paused);
        assertThat(pausedSessions).as("sessions of the paused node before the pause").isEqualTo(1);
        Set<String> retrievedBeforePause = new HashSet<>();
        cluster.sessionsOf(paused).get(0).commands().stream().filter(c -> c.line().startsWith("RETR "))
                .forEach(c -> retrievedBeforePause
                        .add(cluster.byNumber().get(Integer.parseInt(c.line().substring(5)) - 1)));
        Set<String> routedBeforePause = new HashSet<>(uids(cluster.events(paused), "S "));
        // its blocked exchange completes the moment it runs again, before its view can tell it that it lost
        cluster.releaseBlocked();
        long resumedAt = System.nanoTime();
        cluster.signal(paused, "CONT");
        await().atMost(FailoverCluster.WAIT).until(() -> uids(cluster.events(paused), "D ").contains(blocked));
        // it notices and closes its session (without QUIT)
        await().atMost(FailoverCluster.WAIT)
                .until(() -> cluster.sessionsOf(paused).stream().allMatch(s -> s.endedNanos().isPresent()));
        long noticedMillis = TimeUnit.NANOSECONDS.toMillis(cluster.sessionsOf(paused).stream()
                .mapToLong(s -> s.endedNanos().getAsLong()).max().getAsLong() - resumedAt);
        cluster.awaitAllDone(options);

        Set<String> routedAfterResume = new HashSet<>(uids(cluster.events(paused), "S "));
        routedAfterResume.removeAll(routedBeforePause);
        Set<String> completedBeforePauseAgain = new HashSet<>(cluster.duplicateMails());
        completedBeforePauseAgain.retainAll(routedBeforePause);
        completedBeforePauseAgain.remove(blocked);
        List<String> sentAfterResume = cluster.commandsOfAfter(paused, resumedAt);
        System.out.printf("ZooKeeper + PostgreSQL failover, SIGSTOP of the leader, %s: %d mails, %d route starts,"
                          + " duplicates %s, in flight on the paused node [%s], %d POP3 sessions, at most %d open at"
                          + " once, takeover after SIGSTOP in ms: %d, its session closed %d ms after SIGCONT,"
                          + " commands it sent after SIGCONT: %s, mails it had retrieved before SIGSTOP: %d, of them"
                          + " routed after SIGCONT (before it noticed): %d, routed again of those it had completed before"
                          + " SIGSTOP: %d%n",
                options, FailoverCluster.MAILS, cluster.routeStarts(), cluster.duplicateMails(), blocked,
                cluster.proxy().sessions().size(), cluster.proxy().maxConcurrentSessions(), takeoverMillis,
                noticedMillis, sentAfterResume, retrievedBeforePause.size(), routedAfterResume.size(),
                completedBeforePauseAgain.size());
        // in flight on the paused node: the blocked mail, and the mails it had retrieved (RETR) but not routed before
        // the pause; it routes some of those after SIGCONT, until it notices that it lost the mailbox
        assertThat(retrievedBeforePause).contains(blocked).containsAll(routedAfterResume);
        assertThat(uids(cluster.events(paused), "S ")).as("every mail routed twice was in the paused node's route")
                .containsAll(cluster.duplicateMails());
        cluster.assertEveryMailDeliveredAndOnlyInFlightOnesTwice(retrievedBeforePause);
        assertThat(sentAfterResume).as("commands of the resumed node").noneMatch(
                line -> line.startsWith("RETR") || line.startsWith("DELE") || line.startsWith("QUIT"));
        assertThat(cluster.sessionsOf(paused)).as("sessions of the resumed node").hasSize(pausedSessions);
        cluster.assertNoTwoSessionsRetrieveOrDeleteAtOnce();
        assertThat(takeoverMillis).isLessThan(20_000);
        assertThat(noticedMillis).as("its session open after SIGCONT, ms").isLessThan(5_000);
    }

    private void startNodes(int count, String options) throws Exception {
        // an election of its own: a node of the test before, killed, stays a member until its session times out
        List<String> properties = new ArrayList<>(FailoverCluster.ledgerDatabase(postgres));
        properties.add("-D" + ClusterTestConsumer.ZOOKEEPER + "=" + zookeeper.connectString());
        properties.add("-D" + ClusterTestConsumer.ZOOKEEPER_BASE_PATH + "=/pop3x/failover-" + TESTS.incrementAndGet());
        cluster.start(count, properties, node -> dir.resolve("ledger-" + node), options + "&dataSource=#pg");
    }
}

package dev.pop3x;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.pop3x.testsupport.ChildJvm;
import dev.pop3x.testsupport.CuttingProxy;
import dev.pop3x.testsupport.DovecotExtension;
import dev.pop3x.testsupport.Pop3TestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static dev.pop3x.ClusterEvents.completed;
import static dev.pop3x.ClusterEvents.count;
import static dev.pop3x.ClusterEvents.duplicates;
import static dev.pop3x.ClusterEvents.lastOf;
import static dev.pop3x.ClusterEvents.startedPerNode;
import static dev.pop3x.ClusterEvents.starts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two and three {@code clustered=true} consumer JVMs on one Dovecot mailbox, elected through camel-file's
 * {@code FileLockClusterService} on a shared directory, sharing a file ledger: the leader is killed with
 * {@code kill -9} in the middle of a batch (blocked in its tenth mail), another node takes over, and with three nodes
 * the second leader is killed the same way. Every mail reaches a route, no mail is deleted before an Exchange
 * completed it, the only mails that reach a route twice are those in the route of a killed node, and the server
 * never sees two sessions at once (counted by a proxy in front of it). The takeover time is printed.
 */
class ClusterFailoverIT {

    private static final int MAILS = 40;
    private static final Duration WAIT = Duration.ofSeconds(90);

    @RegisterExtension
    static DovecotExtension dovecot = new DovecotExtension();

    @TempDir
    Path dir;

    private final List<Process> nodes = new ArrayList<>();
    private CuttingProxy proxy;

    @AfterEach
    void stop() throws IOException {
        nodes.forEach(Process::destroyForcibly);
        if (proxy != null) {
            proxy.close();
        }
    }

    @ParameterizedTest(name = "{0} nodes, {1}")
    @CsvSource({ "2, delete=true&commitEvery=4", "2, delete=false", "3, delete=true", "3, delete=false" })
    void theLeaderKilledMidBatchIsReplacedAndNothingIsLostNorDeletedBeforeItsExchangeCompleted(int nodeCount,
            String options)
            throws Exception {
        boolean delete = options.contains("delete=true");
        dovecot.clearMailbox();
        for (int i = 0; i < MAILS; i++) {
            dovecot.deliver("From: a@example.com\r\nSubject: cluster " + i + "\r\nMessage-ID: <cluster-" + i
                            + "@example.com>\r\n\r\nmail " + i + "\r\n");
        }
        Set<String> all = serverUids();
        assertThat(all).hasSize(MAILS);
        proxy = new CuttingProxy(dovecot.pop3Port());
        Path gate = Files.createFile(dir.resolve("gate"));
        List<Path> events = new ArrayList<>();
        for (int i = 0; i < nodeCount; i++) {
            events.add(dir.resolve("events-" + i + ".txt"));
            nodes.add(ChildJvm.start(List.of("-Xmx256m"), ClusterTestConsumer.class, dir.resolve("node-" + i + ".log"),
                    String.valueOf(proxy.port()), dir.resolve("ledger").toString(), dir.resolve("cluster").toString(),
                    events.get(i).toString(), gate.toString(), options + "&" + RouteTestSupport.PIPELINING));
        }

        Set<String> inFlightOnKilled = new HashSet<>();
        List<Long> takeoverMillis = new ArrayList<>();
        for (int kill = 1; kill < nodeCount; kill++) {
            int leader = awaitBlockedNode(events);
            String blocked = lastOf(events.get(leader), "B ");
            inFlightOnKilled.add(blocked);
            assertThat(count(events.get(leader), "D ")).as("completed on the leader before the kill")
                    .isEqualTo(ClusterTestConsumer.BLOCK_AT - 1);
            assertThat(completed(events)).containsAll(deleted(all)); // nothing deleted that did not complete

            Map<Integer, Integer> startedBefore = startedPerNode(events);
            if (kill < nodeCount - 1) {
                Files.createFile(gate); // the next leader blocks in its tenth mail too
            }
            long killedAt = System.nanoTime();
            nodes.get(leader).destroyForcibly(); // SIGKILL: no QUIT, no release of the cluster lock but the OS's
            await().atMost(WAIT).pollInterval(Duration.ofMillis(10))
                    .until(() -> startedPerNode(events).entrySet().stream()
                            .anyMatch(e -> e.getKey() != leader && e.getValue() > startedBefore.get(e.getKey())));
            takeoverMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
            assertThat(nodes.get(leader).waitFor(30, TimeUnit.SECONDS)).isTrue();
        }

        await().atMost(WAIT).until(() -> delete ? serverUids().isEmpty() : completed(events).containsAll(all));
        Map<String, Integer> started = starts(events);
        Set<String> duplicates = duplicates(events);
        System.out.printf(
                "cluster failover (%d nodes, %s): %d mails, %d route starts, duplicates %s, in flight on killed nodes %s,"
                          + " %d POP3 sessions, at most %d at once, takeover after kill -9 in ms: %s%n",
                nodeCount, options, MAILS, started.values().stream().mapToInt(Integer::intValue).sum(), duplicates,
                inFlightOnKilled, proxy.connections(), proxy.maxConcurrentSessions(), takeoverMillis);

        assertThat(started.keySet()).isEqualTo(all); // every mail reached a route
        assertThat(completed(events)).isEqualTo(all); // and completed in one
        assertThat(completed(events)).containsAll(deleted(all));
        assertThat(inFlightOnKilled).containsAll(duplicates); // only the mails in the route of a killed node
        assertThat(started.values()).allMatch(times -> times <= 2);
        assertThat(proxy.maxConcurrentSessions()).as("POP3 sessions open at once").isEqualTo(1);
        // the cluster service's detection (3 heartbeats of 500 ms) and the standby's next poll, with room for a busy CI
        assertThat(takeoverMillis).allMatch(ms -> ms < 20_000);
    }

    /** Waits until a node is blocked in a mail (it took the gate) and returns its index. */
    private int awaitBlockedNode(List<Path> events) {
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

    private Set<String> deleted(Set<String> all) {
        Set<String> gone = new HashSet<>(all);
        gone.removeAll(serverUids());
        return gone;
    }

    private static Set<String> serverUids() {
        return new HashSet<>(
                Pop3TestClient.uids("127.0.0.1", dovecot.pop3Port(), DovecotExtension.USER, DovecotExtension.PASSWORD));
    }
}

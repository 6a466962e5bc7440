package dev.pop3x;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import dev.pop3x.testsupport.ChildJvm;
import dev.pop3x.testsupport.CuttingProxy;
import dev.pop3x.testsupport.CuttingProxy.Command;
import dev.pop3x.testsupport.CuttingProxy.Session;
import dev.pop3x.testsupport.DovecotExtension;
import dev.pop3x.testsupport.LoopbackSockets;
import dev.pop3x.testsupport.Pop3TestClient;
import dev.pop3x.testsupport.PostgresExtension;

import static dev.pop3x.ClusterEvents.completed;
import static dev.pop3x.ClusterEvents.count;
import static dev.pop3x.ClusterEvents.duplicates;
import static dev.pop3x.ClusterEvents.lastOf;
import static dev.pop3x.ClusterEvents.startedPerNode;
import static dev.pop3x.ClusterEvents.starts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The failover tests' cluster ({@link ClusterFailoverIT}, {@link ZooKeeperPostgresFailoverIT}): {@value #MAILS} mails
 * in the Dovecot mailbox, {@link ClusterTestConsumer} JVMs polling it through a {@link CuttingProxy} that tells their
 * sessions apart (by the process that holds each socket, so every POP3 command is known by node and time), the kill or
 * pause of the node blocked in its tenth mail, and the checks of what reached the routes and the server.
 */
final class FailoverCluster implements AutoCloseable {

    static final int MAILS = 40;
    static final Duration WAIT = Duration.ofSeconds(90);
    /** C1 only: a third less CPU until a node polls, which two or three JVMs starting at once on a CI machine need. */
    private static final List<String> NODE_JVM_OPTIONS = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1");

    private final DovecotExtension dovecot;
    private final Path dir;
    private final List<Process> nodes = new CopyOnWriteArrayList<>(); // read by the proxy's thread
    private final List<Path> events = new ArrayList<>();
    private final List<String> byNumber; // the mailbox's UIDLs by message number, as the first session sees them
    private final Set<String> all;
    private final Path gate;
    private final CuttingProxy proxy;

    /** What {@link #killLeadersMidBatch} did: the mails blocked in the killed nodes' routes, the takeover times. */
    record Kills(Set<String> inFlight, List<Long> takeoverMillis) {
    }

    /** Fills the mailbox (and empties it first) and opens the proxy; {@code dir} holds the nodes' files. */
    FailoverCluster(DovecotExtension dovecot, Path dir) throws IOException {
        this.dovecot = dovecot;
        this.dir = dir;
        dovecot.clearMailbox();
        for (int i = 0; i < MAILS; i++) {
            dovecot.deliver("From: a@example.com\r\nSubject: failover " + i + "\r\nMessage-ID: <failover-" + i
                            + "@example.com>\r\n\r\nmail " + i + "\r\n");
        }
        byNumber = Pop3TestClient.uids("127.0.0.1", dovecot.pop3Port(), DovecotExtension.USER,
                DovecotExtension.PASSWORD);
        all = new HashSet<>(byNumber);
        assertThat(all).hasSize(MAILS);
        gate = Files.createFile(dir.resolve("gate"));
        proxy = new CuttingProxy(dovecot.pop3Port());
        proxy.identifyClients(port -> {
            List<Long> pids = nodes.stream().map(Process::pid).toList();
            return LoopbackSockets.owner(port, pids).stream().mapToObj(pid -> "node-" + pids.indexOf(pid))
                    .findFirst().orElse("unknown");
        });
    }

    /**
     * Starts {@code count} nodes with these system properties ({@code -Dname=value}) and endpoint options; node
     * {@code i} keeps its file ledger in {@code ledgerDirectory.apply(i)} (unused with {@code dataSource});
     * camel-file's cluster service, unless a property chooses ZooKeeper, has its lock files in {@code cluster} of the
     * test's folder.
     */
    void start(int count, List<String> properties, IntFunction<Path> ledgerDirectory, String options)
            throws IOException {
        List<String> jvmOptions = new ArrayList<>(NODE_JVM_OPTIONS);
        jvmOptions.addAll(properties);
        for (int i = 0; i < count; i++) {
            events.add(dir.resolve("events-" + i + ".txt"));
            nodes.add(ChildJvm.start(jvmOptions, ClusterTestConsumer.class, dir.resolve("node-" + i + ".log"),
                    String.valueOf(proxy.port()), ledgerDirectory.apply(i).toString(),
                    dir.resolve("cluster").toString(), events.get(i).toString(), gate.toString(),
                    options + "&" + RouteTestSupport.PIPELINING));
        }
    }

    /** The system properties with which a node binds a pooled data source {@code pg} on that database. */
    static List<String> ledgerDatabase(PostgresExtension postgres) {
        return List.of("-D" + CrashTestConsumer.JDBC_URL + "=" + postgres.jdbcUrl(),
                "-D" + CrashTestConsumer.JDBC_USER + "=" + postgres.user(),
                "-D" + CrashTestConsumer.JDBC_PASSWORD + "=" + postgres.password());
    }

    /**
     * Kills the leader with {@code kill -9} while it is blocked in its tenth mail (nine completed on it), waits until
     * another node starts a mail, and with more nodes kills that leader the same way, until one node is left.
     */
    Kills killLeadersMidBatch() throws Exception {
        Set<String> inFlight = new HashSet<>();
        List<Long> takeoverMillis = new ArrayList<>();
        for (int kill = 1; kill < nodes.size(); kill++) {
            int leader = awaitBlockedNode();
            inFlight.add(lastOf(events.get(leader), "B "));
            assertThat(count(events.get(leader), "D ")).as("completed on the leader before the kill")
                    .isEqualTo(ClusterTestConsumer.BLOCK_AT - 1);
            assertThat(completed(events)).as("deleted mails completed").containsAll(deleted());

            Map<Integer, Integer> startedBefore = startedPerNode(events);
            if (kill < nodes.size() - 1) {
                openGate(); // the next leader blocks in its tenth mail too
            }
            long killedAt = System.nanoTime();
            nodes.get(leader).destroyForcibly(); // SIGKILL: no QUIT; its cluster lock or session goes as the OS or
                                                // the cluster service notices
            awaitTakeover(leader, startedBefore);
            takeoverMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
            assertThat(nodes.get(leader).waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        return new Kills(inFlight, takeoverMillis);
    }

    /** Waits until a node is blocked in a mail (it took the gate) and returns its index. */
    int awaitBlockedNode() {
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
    int awaitTakeover(int gone, Map<Integer, Integer> startedBefore) {
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

    /** Until every mail completed, and in delete mode is gone from the server. */
    void awaitAllDone(String options) {
        boolean delete = options.contains("delete=true");
        await().atMost(WAIT).until(() -> completed(events).containsAll(all) && (!delete || serverUids().isEmpty()));
    }

    /** The next node to start its tenth mail blocks in it. */
    void openGate() throws IOException {
        Files.createFile(gate);
    }

    /** The blocked node's exchange goes on. */
    void releaseBlocked() throws IOException {
        Files.createFile(gate.resolveSibling(gate.getFileName() + ".release"));
    }

    /** Sends a signal ({@code STOP}, {@code CONT}) to a node. */
    void signal(int node, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(nodes.get(node).pid())).inheritIO()
                .start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -" + signal).isTrue();
    }

    /**
     * Every mail reached a route and completed in one, none was deleted before it completed, and only mails in
     * {@code inFlight} reached a route twice (none more often).
     */
    void assertEveryMailDeliveredAndOnlyInFlightOnesTwice(Set<String> inFlight) throws IOException {
        assertThat(proxy.sessions()).as("sessions by node").allMatch(s -> s.client().startsWith("node-"));
        assertThat(starts(events).keySet()).as("mails that reached a route").isEqualTo(all);
        assertThat(completed(events)).as("mails completed in a route").isEqualTo(all);
        assertThat(completed(events)).as("deleted mails completed").containsAll(deleted());
        assertThat(duplicates(events)).as("mails routed twice").isSubsetOf(inFlight);
        assertThat(starts(events).values()).allMatch(times -> times <= 2);
    }

    /** Of any two sessions, one sent its last RETR or DELE before the other sent its first. */
    void assertNoTwoSessionsRetrieveOrDeleteAtOnce() {
        List<long[]> spans = new ArrayList<>();
        for (Session s : proxy.sessions()) {
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

    List<Session> sessionsOf(int node) {
        return proxy.sessions().stream().filter(s -> s.client().equals("node-" + node)).toList();
    }

    /** The commands a node sent after {@code nanos} ({@link System#nanoTime()}). */
    List<String> commandsOfAfter(int node, long nanos) {
        return sessionsOf(node).stream().flatMap(s -> s.commands().stream()).filter(c -> c.nanos() > nanos)
                .map(Command::line).toList();
    }

    CuttingProxy proxy() {
        return proxy;
    }

    Path events(int node) {
        return events.get(node);
    }

    List<Path> events() {
        return events;
    }

    /** The mailbox's UIDLs by message number (1 first) as they were before the nodes started. */
    List<String> byNumber() {
        return byNumber;
    }

    int routeStarts() throws IOException {
        return starts(events).values().stream().mapToInt(Integer::intValue).sum();
    }

    Set<String> duplicateMails() throws IOException {
        return duplicates(events);
    }

    private Set<String> deleted() {
        Set<String> gone = new HashSet<>(all);
        gone.removeAll(serverUids());
        return gone;
    }

    private Set<String> serverUids() {
        return new HashSet<>(
                Pop3TestClient.uids("127.0.0.1", dovecot.pop3Port(), DovecotExtension.USER, DovecotExtension.PASSWORD));
    }

    @Override
    public void close() throws IOException {
        nodes.forEach(Process::destroyForcibly); // SIGKILL ends a stopped process too
        proxy.close();
    }
}

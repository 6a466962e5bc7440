package dev.pop3x.testsupport;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The extension starts a real standalone ZooKeeper on which Camel's ZooKeeper cluster service elects exactly one
 * leader per namespace and moves leadership when the leader stops or dies.
 */
class ZooKeeperExtensionIT {

    private static final Duration ELECTION_TIMEOUT = Duration.ofSeconds(20);
    /** A dead leader's session expires within the session timeout plus a tick of the server's clock; 2 s for load. */
    private static final Duration EXPIRY_BOUND = ZooKeeperClusterMember.SESSION_TIMEOUT
            .plusMillis(ZooKeeperExtension.TICK_MILLIS)
            .plusSeconds(2);

    @RegisterExtension
    static ZooKeeperExtension zookeeper = new ZooKeeperExtension();

    @Test
    void serverAnswersAsAStandaloneServerOnItsLoopbackPort() throws Exception {
        assertThat(zookeeper.isRunning()).isTrue();
        assertThat(zookeeper.connectString()).isEqualTo("127.0.0.1:" + zookeeper.port());
        assertThat(zookeeper.fourLetterWord("srvr")).contains("Zookeeper version: 3.8.", "Mode: standalone");
        assertThat(zookeeper.fourLetterWord("ruok")).isEqualTo("imok");
        assertThat(ProcessHandle.of(zookeeper.pid())).hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
    }

    @Test
    void oneLeaderAndAStoppedLeaderHandsOverWithoutWaitingForItsSession() throws Exception {
        String namespace = "mailbox-stop";
        try (ZooKeeperClusterMember a = ZooKeeperClusterMember.start(zookeeper.connectString(), namespace, "node-a");
             ZooKeeperClusterMember b = ZooKeeperClusterMember.start(zookeeper.connectString(), namespace, "node-b")) {
            awaitOneLeaderSeenByBoth(a, b);
            ZooKeeperClusterMember leader = a.isLeader() ? a : b;
            ZooKeeperClusterMember follower = leader == a ? b : a;
            assertThat(follower.leaderId()).contains(leader.id());
            assertThat(follower.memberIds()).containsExactly(leader.id(), follower.id());

            long stoppedAt = System.nanoTime();
            leader.close();
            Awaitility.await().atMost(ZooKeeperClusterMember.SESSION_TIMEOUT).pollInterval(Duration.ofMillis(10))
                    .until(follower::isLeader);
            Duration moved = Duration.ofNanos(follower.becameLeaderNanos() - stoppedAt);
            System.out.println("ZooKeeper leadership moved " + moved.toMillis() + " ms after the leader's context "
                               + "began to stop (session timeout " + ZooKeeperClusterMember.SESSION_TIMEOUT.toMillis()
                               + " ms)");

            assertThat(leader.isLeader()).isFalse();
            assertThat(follower.leaderId()).contains(follower.id());
            assertThat(follower.memberIds()).containsExactly(follower.id());
        }
    }

    /**
     * Both ways a leader's JVM stops answering, side by side (they overlap, so the test waits for one session expiry):
     * one leader is killed (SIGKILL), the other paused (SIGSTOP) and resumed once it was replaced.
     */
    @Test
    void aKilledOrPausedLeaderIsReplacedWhenItsSessionExpiresAndThePausedOneSeesItOnResume() throws Exception {
        try (Candidate killed = Candidate.start("mailbox-kill", "node-killed");
             Candidate paused = Candidate.start("mailbox-pause", "node-paused")) {
            killed.awaitLeaderWithFollower();
            paused.awaitLeaderWithFollower();

            long stoppedAt = System.nanoTime();
            killed.process.destroyForcibly(); // the session ends only when ZooKeeper expires it
            signal(paused.process, "STOP");
            Awaitility.await().atMost(EXPIRY_BOUND).pollInterval(Duration.ofMillis(10))
                    .until(() -> killed.follower.isLeader() && paused.follower.isLeader());
            System.out.println("ZooKeeper leadership moved " + killed.movedMillis(stoppedAt)
                               + " ms after kill -9 and " + paused.movedMillis(stoppedAt)
                               + " ms after SIGSTOP of the leader's JVM (session timeout "
                               + ZooKeeperClusterMember.SESSION_TIMEOUT.toMillis() + " ms)");
            assertThat(killed.follower.memberIds()).containsExactly(killed.follower.id());

            long resumedAt = System.nanoTime();
            signal(paused.process, "CONT");
            Awaitility.await().atMost(ZooKeeperClusterMember.SESSION_TIMEOUT).pollInterval(Duration.ofMillis(10))
                    .until(() -> afterFirst(paused.log(), "isLeader=true").contains("isLeader=false"));
            System.out.println("ZooKeeper: the paused leader, resumed, saw itself no longer leader within "
                               + Duration.ofNanos(System.nanoTime() - resumedAt).toMillis() + " ms");
            assertThat(paused.follower.isLeader()).isTrue();
            assertThat(paused.follower.leaderId()).contains(paused.follower.id());
        }
    }

    @Test
    void stopEndsTheServerAndDeletesItsFolder() throws Exception {
        ZooKeeperExtension other = new ZooKeeperExtension();
        other.start();
        Path dir = other.tempDir();
        int port = other.port();
        Optional<ProcessHandle> server = ProcessHandle.of(other.pid());
        try {
            assertThat(other.fourLetterWord("ruok")).isEqualTo("imok");
            assertThat(Files.readString(dir.resolve("zoo.cfg"))).contains("clientPortAddress=127.0.0.1");
        } finally {
            other.stop();
        }
        assertThat(Files.exists(dir)).isFalse();
        assertThat(listening(port)).isFalse();
        assertThat(server).hasValueSatisfying(p -> assertThat(p.isAlive()).isFalse());
        other.stop(); // a second stop is harmless
    }

    /**
     * Waits until one of the two leads, both name the same leader, and both see both members. A member's latch joins the
     * election asynchronously, so the second one can already see the first as leader before its own node exists.
     */
    private static void awaitOneLeaderSeenByBoth(ZooKeeperClusterMember a, ZooKeeperClusterMember b) {
        Awaitility.await().atMost(ELECTION_TIMEOUT).pollInterval(Duration.ofMillis(20))
                .until(() -> a.isLeader() != b.isLeader()
                             && a.leaderId().isPresent() && a.leaderId().equals(b.leaderId())
                             && a.memberIds().size() == 2 && b.memberIds().size() == 2);
    }

    /** A member in a JVM of its own that becomes leader of {@code namespace}, and a follower in this JVM. */
    private static final class Candidate implements AutoCloseable {

        final String namespace;
        final String id;
        final Path log;
        final Process process;
        ZooKeeperClusterMember follower;

        private Candidate(String namespace, String id, Path log, Process process) {
            this.namespace = namespace;
            this.id = id;
            this.log = log;
            this.process = process;
        }

        static Candidate start(String namespace, String id) throws Exception {
            Path log = zookeeper.tempDir().resolve(id + ".log");
            return new Candidate(namespace, id, log, ChildJvm.start(List.of("-Xmx128m", "-XX:+UseSerialGC"),
                    ZooKeeperClusterMember.class, log, zookeeper.connectString(), namespace, id));
        }

        /** The child leads, then the follower joins behind it. */
        void awaitLeaderWithFollower() throws Exception {
            Awaitility.await().atMost(ELECTION_TIMEOUT).pollInterval(Duration.ofMillis(20))
                    .until(() -> log().contains("isLeader=true"));
            follower = ZooKeeperClusterMember.start(zookeeper.connectString(), namespace, id + "-follower");
            Awaitility.await().atMost(ELECTION_TIMEOUT)
                    .until(() -> follower.memberIds().equals(List.of(id, follower.id())));
            assertThat(follower.isLeader()).isFalse();
            assertThat(follower.leaderId()).contains(id);
        }

        long movedMillis(long sinceNanos) {
            return Duration.ofNanos(follower.becameLeaderNanos() - sinceNanos).toMillis();
        }

        String log() {
            return TestServerProcess.read(log);
        }

        @Override
        public void close() throws InterruptedException {
            if (follower != null) {
                follower.close();
            }
            process.destroyForcibly();
            process.waitFor();
        }
    }

    private static String afterFirst(String text, String marker) {
        int at = text.indexOf(marker);
        return at < 0 ? "" : text.substring(at + marker.length());
    }

    private static void signal(Process process, String signal) throws Exception {
        TestServerProcess.run(zookeeper.tempDir(), List.of("kill", "-" + signal, String.valueOf(process.pid())),
                Duration.ofSeconds(10));
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(ZooKeeperExtension.IP, port), 1000);
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}

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
    /** A dead leader's session expires after at most the session timeout plus one tick of the server's clock. */
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

    @Test
    void aKilledLeadersSessionExpiresAndTheOtherMemberTakesOver() throws Exception {
        String namespace = "mailbox-kill";
        Path log = zookeeper.tempDir().resolve("member-killed.log");
        Process killed = ChildJvm.start(List.of("-Xmx128m", "-XX:+UseSerialGC"), ZooKeeperClusterMember.class, log,
                zookeeper.connectString(), namespace, "node-killed");
        try {
            Awaitility.await().atMost(ELECTION_TIMEOUT).pollInterval(Duration.ofMillis(20))
                    .until(() -> TestServerProcess.read(log).contains("leader node-killed"));
            try (ZooKeeperClusterMember survivor = ZooKeeperClusterMember.start(zookeeper.connectString(), namespace,
                    "node-survivor")) {
                Awaitility.await().atMost(ELECTION_TIMEOUT)
                        .until(() -> survivor.memberIds().equals(List.of("node-killed", "node-survivor")));
                assertThat(survivor.isLeader()).isFalse();
                assertThat(survivor.leaderId()).contains("node-killed");

                long killedAt = System.nanoTime();
                killed.destroyForcibly(); // SIGKILL: the session ends only when ZooKeeper expires it
                Awaitility.await().atMost(EXPIRY_BOUND).pollInterval(Duration.ofMillis(10))
                        .until(survivor::isLeader);
                Duration moved = Duration.ofNanos(survivor.becameLeaderNanos() - killedAt);
                System.out.println("ZooKeeper leadership moved " + moved.toMillis() + " ms after kill -9 of the "
                                   + "leader's JVM (session timeout "
                                   + ZooKeeperClusterMember.SESSION_TIMEOUT.toMillis()
                                   + " ms)");
                assertThat(survivor.memberIds()).containsExactly("node-survivor");
            }
        } finally {
            killed.destroyForcibly();
            killed.waitFor();
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

    private static void awaitOneLeaderSeenByBoth(ZooKeeperClusterMember a, ZooKeeperClusterMember b) {
        Awaitility.await().atMost(ELECTION_TIMEOUT).pollInterval(Duration.ofMillis(20))
                .until(() -> a.isLeader() != b.isLeader()
                             && a.leaderId().isPresent() && a.leaderId().equals(b.leaderId()));
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

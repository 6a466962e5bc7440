package dev.pop3x;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.pop3x.testsupport.LedgerDatabase;
import dev.pop3x.testsupport.ZooKeeperClusterMember;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.cluster.CamelClusterService;
import org.apache.camel.component.file.cluster.FileLockClusterService;
import org.apache.camel.component.zookeeper.cluster.ZooKeeperClusterService;
import org.apache.camel.impl.DefaultCamelContext;

import static org.awaitility.Awaitility.await;

/**
 * One node of {@link ClusterFailoverIT} and {@link ZooKeeperPostgresFailoverIT}: a {@code clustered=true} route on a
 * shared ledger, elected through a cluster service. The route records, fsynced, when it starts a mail ({@code S uid})
 * and when it is done with it ({@code D uid}). The first node to start its tenth mail while the gate file exists
 * takes the gate (deletes it) and blocks in that mail ({@code B uid}) until the test kills it or creates the gate's
 * release file (the gate's name and {@code .release}): the kill or the pause is in the middle of a batch, nine mails
 * completed on that node and exactly one in its route.
 *
 * <p>Arguments: POP3 port on 127.0.0.1, ledger directory, cluster directory, events file, gate file, further
 * endpoint options. The cluster service is camel-file's {@code FileLockClusterService} on the cluster directory,
 * or, with the system property {@value #ZOOKEEPER}, camel-zookeeper's on that connect string (under
 * {@value #ZOOKEEPER_BASE_PATH} if set). With the system
 * property {@link CrashTestConsumer#JDBC_URL} a pooled data source on that database is bound as {@code pg}.
 */
public final class ClusterTestConsumer {

    /** The cluster service's timing: a dead leader counts as gone after 3 missed heartbeats of 500 ms. */
    static final long LOCK_INTERVAL_MILLIS = 500;
    static final int HEARTBEAT_TIMEOUT_MULTIPLIER = 3;
    static final int BLOCK_AT = 10;
    /** System property: a ZooKeeper connect string; elect through ZooKeeper instead of a file lock. */
    static final String ZOOKEEPER = "pop3x.test.zookeeper";
    /** System property: the ZooKeeper path the elections are under; a test's own keeps an earlier test's out. */
    static final String ZOOKEEPER_BASE_PATH = "pop3x.test.zookeeperBasePath";

    private ClusterTestConsumer() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Path ledgerDir = Paths.get(args[1]);
        Path clusterDir = Paths.get(args[2]);
        Path events = Paths.get(args[3]);
        Path gate = Paths.get(args[4]);
        String options = args.length > 5 ? "&" + args[5] : "";
        AtomicInteger started = new AtomicInteger();
        try (FileChannel out = FileChannel.open(events, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            CamelContext context = new DefaultCamelContext();
            String zooKeeper = System.getProperty(ZOOKEEPER);
            context.addService(zooKeeper != null ? zooKeeper(zooKeeper) : fileLock(clusterDir));
            String jdbcUrl = System.getProperty(CrashTestConsumer.JDBC_URL);
            if (jdbcUrl != null) { // the ledger in that database: dataSource=#pg
                context.getRegistry().bind("pg", LedgerDatabase.pooled(jdbcUrl,
                        System.getProperty(CrashTestConsumer.JDBC_USER),
                        System.getProperty(CrashTestConsumer.JDBC_PASSWORD)));
            }
            Path release = gate.resolveSibling(gate.getFileName() + ".release");
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("pop3x:127.0.0.1:" + port + "?security=none&username=alice&password=secret&clustered=true"
                         + "&initialDelay=0&delay=100&ledgerDirectory=" + ledgerDir + options)
                            .process(e -> {
                                String uid = e.getIn().getHeader(Pop3xConstants.UID, String.class);
                                record(out, "S " + uid);
                                if (started.incrementAndGet() >= BLOCK_AT && Files.deleteIfExists(gate)) {
                                    record(out, "B " + uid);
                                    await().forever().pollInterval(Duration.ofMillis(10))
                                            .until(() -> Files.exists(release)); // or killed
                                }
                                record(out, "D " + uid);
                            });
                }
            });
            context.start();
            System.out.println("node started");
            new CountDownLatch(1).await(); // until killed
        }
    }

    private static CamelClusterService fileLock(Path clusterDir) {
        FileLockClusterService cluster = new FileLockClusterService();
        cluster.setId("node-" + ProcessHandle.current().pid());
        cluster.setRoot(clusterDir.toString());
        cluster.setAcquireLockDelay(100, TimeUnit.MILLISECONDS);
        cluster.setAcquireLockInterval(LOCK_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
        cluster.setHeartbeatTimeoutMultiplier(HEARTBEAT_TIMEOUT_MULTIPLIER);
        return cluster;
    }

    private static CamelClusterService zooKeeper(String connectString) {
        ZooKeeperClusterService cluster = new ZooKeeperClusterService();
        cluster.setId("node-" + ProcessHandle.current().pid());
        cluster.setNodes(connectString);
        cluster.setBasePath(System.getProperty(ZOOKEEPER_BASE_PATH, ZooKeeperClusterMember.BASE_PATH));
        cluster.setSessionTimeout(ZooKeeperClusterMember.SESSION_TIMEOUT.toMillis());
        return cluster;
    }

    private static void record(FileChannel out, String line) throws Exception {
        synchronized (out) {
            out.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.US_ASCII)));
            out.force(false);
        }
    }
}

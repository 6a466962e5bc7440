package dev.pop3x;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.file.cluster.FileLockClusterService;
import org.apache.camel.impl.DefaultCamelContext;

/**
 * One node of {@link ClusterFailoverIT}: a {@code clustered=true} route on a shared file ledger, elected through
 * camel-file's {@code FileLockClusterService} on a shared directory. The route records, fsynced, when it starts a mail
 * ({@code S uid}) and when it is done with it ({@code D uid}). The first node to start its tenth mail while the gate
 * file exists takes the gate (deletes it) and blocks in that mail ({@code B uid}) until the test kills it: the kill
 * is in the middle of a batch, nine mails completed on that node and exactly one in its route.
 *
 * <p>Arguments: POP3 port on 127.0.0.1, ledger directory, cluster directory, events file, gate file, further
 * endpoint options.
 */
public final class ClusterTestConsumer {

    /** The cluster service's timing: a dead leader counts as gone after 3 missed heartbeats of 500 ms. */
    static final long LOCK_INTERVAL_MILLIS = 500;
    static final int HEARTBEAT_TIMEOUT_MULTIPLIER = 3;
    static final int BLOCK_AT = 10;

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
            FileLockClusterService cluster = new FileLockClusterService();
            cluster.setId("node-" + ProcessHandle.current().pid());
            cluster.setRoot(clusterDir.toString());
            cluster.setAcquireLockDelay(100, TimeUnit.MILLISECONDS);
            cluster.setAcquireLockInterval(LOCK_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
            cluster.setHeartbeatTimeoutMultiplier(HEARTBEAT_TIMEOUT_MULTIPLIER);
            context.addService(cluster);
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
                                    new CountDownLatch(1).await(); // until killed
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

    private static void record(FileChannel out, String line) throws Exception {
        synchronized (out) {
            out.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.US_ASCII)));
            out.force(false);
        }
    }
}

package dev.pop3x.testsupport;

import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.camel.CamelContext;
import org.apache.camel.cluster.CamelClusterEventListener;
import org.apache.camel.cluster.CamelClusterMember;
import org.apache.camel.cluster.CamelClusterView;
import org.apache.camel.component.zookeeper.cluster.ZooKeeperClusterService;
import org.apache.camel.impl.DefaultCamelContext;

/**
 * One node of a ZooKeeper cluster: a started CamelContext with Camel's {@link ZooKeeperClusterService} (session timeout
 * {@link #SESSION_TIMEOUT}) that runs for leadership of one namespace (view). Also a main class, so that a test can
 * start a member in a JVM of its own ({@link ChildJvm}) and kill or pause it (see {@link #main}).
 */
public final class ZooKeeperClusterMember implements AutoCloseable {

    /** Long enough for a loaded test machine, short enough for a fast failover (ZooKeeper grants 4 s to 40 s). */
    public static final Duration SESSION_TIMEOUT = Duration.ofSeconds(6);
    public static final String BASE_PATH = "/pop3x/cluster";

    private final CamelContext context;
    private final CamelClusterView view;
    private volatile long becameLeaderNanos;

    private ZooKeeperClusterMember(CamelContext context, CamelClusterView view) {
        this.context = context;
        this.view = view;
    }

    /** Starts a context named {@code id} whose cluster service (also {@code id}) joins {@code namespace}. */
    public static ZooKeeperClusterMember start(String connectString, String namespace, String id) throws Exception {
        ZooKeeperClusterService service = new ZooKeeperClusterService();
        service.setId(id);
        service.setNodes(connectString);
        service.setBasePath(BASE_PATH);
        service.setSessionTimeout(SESSION_TIMEOUT.toMillis());
        CamelContext context = new DefaultCamelContext();
        context.getCamelContextExtension().setName(id);
        context.addService(service);
        // the view joins the election when the context starts: the listener sees the first leadership too
        ZooKeeperClusterMember member = new ZooKeeperClusterMember(context, service.getView(namespace));
        member.view.addEventListener((CamelClusterEventListener.Leadership) (v, leader) -> {
            if (leader != null && leader.isLocal()) {
                member.becameLeaderNanos = System.nanoTime();
            }
        });
        context.start();
        return member;
    }

    public String id() {
        return view.getLocalMember().getId();
    }

    /** What this member's view says now (Curator's leader latch for this member). */
    public boolean isLeader() {
        return view.getLocalMember().isLeader();
    }

    /** The id of the leader as this member sees it in ZooKeeper, empty when there is none. */
    public Optional<String> leaderId() {
        return view.getLeader().map(CamelClusterMember::getId);
    }

    /** The ids of all members of the namespace as ZooKeeper has them, leader first. */
    public List<String> memberIds() {
        return view.getMembers().stream().map(CamelClusterMember::getId).toList();
    }

    /** {@link System#nanoTime()} when this member last became leader, 0 if never. */
    public long becameLeaderNanos() {
        return becameLeaderNanos;
    }

    /** Stops the context: the cluster service gives up leadership and closes its ZooKeeper session. */
    @Override
    public void close() {
        context.stop();
    }

    /**
     * Arguments: connect string, namespace, member id. Prints {@code event leader=<id|none>} for each leadership event
     * and {@code isLeader=<true|false>} whenever {@link #isLeader()} changes (checked every 10 ms): a member paused with
     * SIGSTOP and resumed shows whether it notices it was replaced, and how. Ends when its standard input closes (the
     * test JVM ended).
     */
    public static void main(String[] args) throws Exception {
        ZooKeeperClusterMember member = start(args[0], args[1], args[2]);
        member.view.addEventListener((CamelClusterEventListener.Leadership) (v, leader) -> print(
                "event leader=" + (leader == null ? "none" : leader.getId())));
        ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor();
        AtomicBoolean last = new AtomicBoolean();
        print("isLeader=false");
        watch.scheduleWithFixedDelay(() -> {
            boolean now = member.isLeader();
            if (last.getAndSet(now) != now) {
                print("isLeader=" + now);
            }
        }, 0, 10, TimeUnit.MILLISECONDS);
        System.in.transferTo(OutputStream.nullOutputStream());
        watch.shutdownNow();
        member.close();
    }

    private static synchronized void print(String line) {
        System.out.println(line);
        System.out.flush();
    }
}

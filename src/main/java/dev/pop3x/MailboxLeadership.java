package dev.pop3x;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.cluster.CamelClusterEventListener;
import org.apache.camel.cluster.CamelClusterMember;
import org.apache.camel.cluster.CamelClusterService;
import org.apache.camel.cluster.CamelClusterView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consumer's leadership of its mailbox ({@code clustered=true}): membership in the mailbox's view of a Camel cluster
 * service. {@link #isLeader()} asks the view itself every time, because a leadership event can be missed (a ZooKeeper
 * leader paused past its session was seen to go on consuming for 30 s after it resumed, no event fired). A node whose
 * epoch the ledger refused while its view still shows it leading gives the leadership up ({@link #rejoin()}): the
 * views disagree, and a new election settles who polls.
 */
final class MailboxLeadership implements CamelClusterEventListener.Leadership {

    private static final Logger LOG = LoggerFactory.getLogger(MailboxLeadership.class);

    private final CamelClusterService service;
    private final String namespace;
    private final Runnable lost;
    private volatile CamelClusterView view;

    private MailboxLeadership(CamelClusterService service, String namespace, Runnable lost) {
        this.service = service;
        this.namespace = namespace;
        this.lost = lost;
    }

    /**
     * Joins the mailbox's view: from now on this node may be elected.
     *
     * @param lost run on the cluster service's thread when the view reports that this node no longer leads
     */
    static MailboxLeadership join(CamelContext context, Pop3xConfiguration config, Runnable lost) throws Exception {
        CamelClusterService configured = config.getClusterService();
        CamelClusterService service = configured != null ? started(context, configured) : lookup(context);
        MailboxLeadership leadership = new MailboxLeadership(service, namespace(config), lost);
        leadership.enter();
        LOG.info("{}: polls only while leader of view {} of cluster service {}", config.mailboxLabel(),
                leadership.namespace, service.getId());
        return leadership;
    }

    private synchronized void enter() throws Exception {
        CamelClusterView joined = service.getView(namespace);
        joined.addEventListener(this);
        view = joined;
    }

    /** Leaves the view and joins it again: gives the leadership up for a new election. */
    synchronized void rejoin() throws Exception {
        leave();
        enter();
    }

    /** Leaves the view: another node may be elected. */
    synchronized void leave() throws Exception {
        CamelClusterView joined = view;
        view = null;
        if (joined != null) {
            joined.removeEventListener(this);
            service.releaseView(joined);
        }
    }

    /** Whether this node leads the mailbox now; cheap enough to ask before every window and every DELE. */
    boolean isLeader() {
        CamelClusterView joined = view;
        return joined != null && joined.getLocalMember().isLeader();
    }

    String namespace() {
        return namespace;
    }

    @Override
    public void leadershipChanged(CamelClusterView changed, CamelClusterMember leader) {
        if (!changed.getLocalMember().isLeader()) {
            lost.run();
        }
    }

    /**
     * The view's name: {@code pop3x-}, host and port in characters that every cluster service accepts in a name (a
     * file, a ZooKeeper node, a Kubernetes lease: lower case letters, digits, '-' and '.'), and a digest of the whole
     * mailbox key {@code user@host:port}, which tells the mailboxes of one server apart without showing the user
     * name (a secret option) to whoever can list the cluster's names.
     */
    static String namespace(Pop3xConfiguration config) {
        String server = config.mailboxLabel().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "-");
        if (server.length() > 100) {
            server = server.substring(0, 100);
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(config.mailboxKey().getBytes(StandardCharsets.UTF_8));
            return "pop3x-" + server + "-" + HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static CamelClusterService started(CamelContext context, CamelClusterService configured)
            throws Exception {
        CamelContextAware.trySetCamelContext(configured, context);
        if (!context.hasService(configured)) {
            context.addService(configured, true, true); // a bean: may serve several endpoints until shutdown
        }
        return configured;
    }

    /** The context's one cluster service, as camel-master finds it. */
    private static CamelClusterService lookup(CamelContext context) {
        Set<CamelClusterService> services = context.hasServices(CamelClusterService.class);
        if (services.size() != 1) {
            throw new IllegalArgumentException(
                    "Option clustered=true needs a CamelClusterService: the CamelContext has " + services.size()
                                               + (services.isEmpty()
                                                       ? " (add one, e.g. camel-kubernetes, camel-zookeeper or"
                                                         + " camel-file's FileLockClusterService)"
                                                       : "; name one with the option clusterService"));
        }
        return services.iterator().next();
    }
}

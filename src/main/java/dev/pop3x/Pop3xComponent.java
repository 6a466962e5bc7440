package dev.pop3x;

import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.camel.Endpoint;
import org.apache.camel.spi.ExecutorServiceManager;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.ThreadPoolProfile;
import org.apache.camel.spi.annotations.Component;
import org.apache.camel.support.DefaultComponent;

/**
 * The {@code pop3x:} component: a POP3 consumer that keys mails by UIDL and applies the delete/keep policy only after
 * the route has completed each Exchange.
 */
@Component("pop3x")
public class Pop3xComponent extends DefaultComponent {

    @Metadata(description = "Shared configuration: endpoints start from a copy of it.")
    private Pop3xConfiguration configuration = new Pop3xConfiguration();

    @Metadata(label = "consumer,advanced", defaultValue = "0",
              description = "When above 0, the consumers of this component that have no scheduledExecutorService of"
                            + " their own poll on one scheduled thread pool of this many threads, shared by all of"
                            + " them, instead of one scheduler thread per consumer (Camel's default, 0). Set it when"
                            + " one JVM polls many mailboxes: a poll holds a thread while it drains its mailbox, so"
                            + " this is also how many mailboxes are polled at the same time.")
    private int sharedPollThreads;

    @Metadata(label = "consumer,advanced", defaultValue = "2",
              description = "Threads that make the ledger durable in the background while polls go on routing,"
                            + " shared by every endpoint of this component (each poll has at most one sync running).")
    private int ledgerSyncThreads = 2;

    private ScheduledExecutorService sharedPollPool;
    private ExecutorService ledgerSyncPool;
    private ExecutorService downloadPool;

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        Pop3xConfiguration config = configuration.copy();
        parseHostAndPort(remaining, config);
        Pop3xEndpoint endpoint = new Pop3xEndpoint(uri, this, config);
        setProperties(endpoint, parameters);
        config.validate();
        return endpoint;
    }

    private static void parseHostAndPort(String remaining, Pop3xConfiguration config) {
        String hostPort = remaining.startsWith("//") ? remaining.substring(2) : remaining;
        int colon = hostPort.lastIndexOf(':');
        if (colon > 0 && hostPort.indexOf(':') == colon) {
            String port = hostPort.substring(colon + 1);
            try {
                config.setPort(Integer.parseInt(port));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Option port must be a number, was '" + port + "'");
            }
            hostPort = hostPort.substring(0, colon);
        }
        config.setHost(hostPort);
    }

    /** The scheduled pool the consumers share (sharedPollThreads), made on first use; null when they do not share. */
    synchronized ScheduledExecutorService sharedPollExecutor() {
        if (sharedPollThreads <= 0) {
            return null;
        }
        if (sharedPollPool == null) {
            sharedPollPool = getCamelContext().getExecutorServiceManager().newScheduledThreadPool(this,
                    "Pop3xPoll", sharedPollThreads);
        }
        return sharedPollPool;
    }

    /**
     * The ledger-sync pool of all endpoints, made on first use. A fixed pool with an unbounded queue: each poll has at
     * most one sync queued or running, so the queue is bounded by the number of endpoints; idle threads end.
     */
    synchronized ExecutorService ledgerSyncExecutor() {
        if (ledgerSyncPool == null) {
            ThreadPoolProfile profile = new ThreadPoolProfile("Pop3xLedgerSync");
            profile.setPoolSize(ledgerSyncThreads);
            profile.setMaxPoolSize(ledgerSyncThreads);
            profile.setMaxQueueSize(-1);
            profile.setAllowCoreThreadTimeOut(true);
            profile.setKeepAliveTime(60L);
            profile.setTimeUnit(TimeUnit.SECONDS);
            ledgerSyncPool = getCamelContext().getExecutorServiceManager().newThreadPool(this, "Pop3xLedgerSync",
                    profile);
        }
        return ledgerSyncPool;
    }

    /**
     * The threads that read mails ahead (downloadAhead), made on first use: cached, one per poll that is draining a
     * mailbox at the moment, so with sharedPollThreads at most that many.
     */
    synchronized ExecutorService downloadExecutor() {
        if (downloadPool == null) {
            downloadPool = getCamelContext().getExecutorServiceManager().newCachedThreadPool(this, "Pop3xDownload");
        }
        return downloadPool;
    }

    @Override
    protected void doStop() throws Exception {
        // endpoints are stopped before their component: no poll or sync of theirs runs any more
        ExecutorServiceManager executors = getCamelContext().getExecutorServiceManager();
        synchronized (this) {
            if (sharedPollPool != null) {
                executors.shutdown(sharedPollPool);
                sharedPollPool = null;
            }
            if (downloadPool != null) {
                executors.shutdown(downloadPool);
                downloadPool = null;
            }
            if (ledgerSyncPool != null) {
                executors.shutdownGraceful(ledgerSyncPool);
                ledgerSyncPool = null;
            }
        }
        super.doStop();
    }

    public int getSharedPollThreads() {
        return sharedPollThreads;
    }

    public void setSharedPollThreads(int sharedPollThreads) {
        if (sharedPollThreads < 0) {
            throw new IllegalArgumentException("Option sharedPollThreads must be 0 or more, was " + sharedPollThreads);
        }
        this.sharedPollThreads = sharedPollThreads;
    }

    public int getLedgerSyncThreads() {
        return ledgerSyncThreads;
    }

    public void setLedgerSyncThreads(int ledgerSyncThreads) {
        if (ledgerSyncThreads < 1) {
            throw new IllegalArgumentException("Option ledgerSyncThreads must be 1 or more, was " + ledgerSyncThreads);
        }
        this.ledgerSyncThreads = ledgerSyncThreads;
    }

    public Pop3xConfiguration getConfiguration() {
        return configuration;
    }

    public void setConfiguration(Pop3xConfiguration configuration) {
        this.configuration = configuration;
    }
}

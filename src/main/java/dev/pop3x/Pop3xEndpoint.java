package dev.pop3x;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;

import javax.management.openmbean.TabularData;
import javax.net.ssl.SSLContext;

import dev.pop3x.ledger.FileLedger;
import dev.pop3x.ledger.JdbcLedger;
import dev.pop3x.ledger.Ledger;
import dev.pop3x.ledger.LedgerEntry;
import dev.pop3x.ledger.MailboxLedger;
import dev.pop3x.mapping.MailMapper;
import dev.pop3x.mapping.Pop3xHeaderFilterStrategy;
import dev.pop3x.policy.MailboxStatistics;
import dev.pop3x.policy.MessageLifecycle;
import dev.pop3x.policy.PolicySettings;
import dev.pop3x.protocol.Pop3ClientOptions;
import dev.pop3x.protocol.Security;
import dev.pop3x.session.Login;
import dev.pop3x.session.MailboxSession;
import dev.pop3x.session.Spool;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.api.management.ManagedAttribute;
import org.apache.camel.api.management.ManagedOperation;
import org.apache.camel.api.management.ManagedResource;
import org.apache.camel.spi.StreamCachingStrategy;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.support.ScheduledPollEndpoint;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.util.IOHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls one POP3 mailbox. Each poll is one POP3 session; each new mail (by UIDL) becomes one Exchange, and the
 * delete/keep policy is applied only when that Exchange has completed.
 */
@UriEndpoint(firstVersion = "0.1.0", scheme = "pop3x", title = "POP3 (pop3x)", syntax = "pop3x:host:port",
             consumerOnly = true, category = { Category.MAIL }, headersClass = Pop3xConstants.class)
@ManagedResource(description = "POP3 (pop3x) mailbox: what happened to its mails, and its poison mails")
public class Pop3xEndpoint extends ScheduledPollEndpoint {

    private static final Logger LOG = LoggerFactory.getLogger(Pop3xEndpoint.class);
    static final long DEFAULT_DELAY = 60_000L;

    @UriParam
    private final Pop3xConfiguration configuration;

    @UriParam(label = "consumer,scheduler", defaultValue = "60000", javaType = "java.time.Duration",
              description = "Time between the end of one poll and the start of the next.")
    private long delay = DEFAULT_DELAY;

    private SSLContext sslContext;
    // the mailbox's state lives as long as the endpoint, not the consumer: completions of Exchanges still running
    // on other routes after a route stop must still be recorded, under the claims they were given
    private MailboxLedger ledger;
    private Ledger store;
    private Ledger ownLedger;
    private Clock clock = Clock.systemUTC();
    private volatile MessageLifecycle lifecycle; // read by JMX and the dev console too
    private final MailboxStatistics statistics = new MailboxStatistics();
    private DeadLetterSender deadLetters;

    public Pop3xEndpoint(String uri, Pop3xComponent component, Pop3xConfiguration configuration) {
        super(uri, component);
        this.configuration = configuration;
        super.setDelay(DEFAULT_DELAY);
    }

    @Override
    public Pop3xComponent getComponent() {
        return (Pop3xComponent) super.getComponent();
    }

    @Override
    public Producer createProducer() {
        throw new UnsupportedOperationException(
                "pop3x is a consumer only: POP3 cannot send mail (use camel-mail's smtp:)");
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        Pop3xConsumer consumer = new Pop3xConsumer(this, processor);
        consumer.setMaxMessagesPerPoll(configuration.getMaxMessagesPerPoll());
        configureConsumer(consumer);
        if (getScheduledExecutorService() == null && getComponent().sharedPollExecutor() != null) {
            consumer.setScheduledExecutorService(getComponent().sharedPollExecutor()); // not shut down by the consumer
        }
        if (getExceptionHandler() == null && !isBridgeErrorHandler()) {
            // neither exceptionHandler nor bridgeErrorHandler was configured: log failed polls once per streak
            consumer.setPollFailureLog(new PollFailureLog(getCamelContext(), configuration.mailboxLabel()));
        }
        return consumer;
    }

    @Override
    protected void doInit() throws Exception {
        super.doInit();
        if (configuration.getSecurity() != Security.NONE) {
            sslContext = configuration.getSslContextParameters() != null
                    ? configuration.getSslContextParameters().createSSLContext(getCamelContext())
                    : SSLContext.getDefault();
        } else {
            LOG.warn("pop3x endpoint {} uses security=none: the mailbox is read without encryption",
                    configuration.mailboxLabel());
        }
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        store = resolveLedger();
        CamelContextAware.trySetCamelContext(store, getCamelContext());
        if (configuration.getLedger() == null) {
            ownLedger = store; // created here (a file or JDBC ledger): stopped with this endpoint
        } else {
            getCamelContext().addService(store, true, true); // a bean: may serve several endpoints until shutdown
        }
        ServiceHelper.startService(store);
        if (!configuration.isClustered()) {
            openLedger();
        } // clustered: the consumer opens it when it becomes the mailbox's leader
        if (configuration.getDeadLetterUri() != null) {
            deadLetters = new DeadLetterSender(getCamelContext(), configuration.getDeadLetterUri(),
                    createMapper(false));
        }
    }

    @Override
    protected void doStop() throws Exception {
        IOHelper.close(deadLetters);
        closeLedger();
        ServiceHelper.stopService(ownLedger);
        deadLetters = null;
        store = null;
        ownLedger = null;
        super.doStop();
    }

    /**
     * Opens the mailbox's ledger unless it is open, which takes the mailbox's fencing token (with a shared ledger, a
     * new leadership epoch: writes of an earlier leader are refused from then on).
     */
    synchronized MessageLifecycle openLedger() throws IOException {
        if (lifecycle == null) {
            ledger = store.open(configuration.mailboxKey());
            LOG.debug("{}: ledger {} opened, fencing token {}", configuration.mailboxLabel(), store,
                    ledger.fencingToken());
            // a new owner id per open: claims of an earlier run or leadership are never mistaken for this one's
            lifecycle = new MessageLifecycle(ledger, policySettings(), UUID.randomUUID().toString(), clock,
                    statistics);
        }
        return lifecycle;
    }

    /**
     * Closes the mailbox's ledger (the endpoint stops, or a clustered consumer no longer leads): completions of
     * Exchanges still running are refused from then on, and their mails are delivered again.
     *
     * @return false if it was not open
     */
    synchronized boolean closeLedger() {
        MailboxLedger open = ledger;
        lifecycle = null;
        ledger = null;
        if (open == null) {
            return false;
        }
        try {
            open.close();
        } catch (IOException e) {
            LOG.warn("{}: the ledger could not be closed cleanly: {}", configuration.mailboxLabel(), e.getMessage());
        }
        return true;
    }

    /** The life cycle of the open ledger; null while it is closed. */
    MessageLifecycle lifecycle() {
        return lifecycle;
    }

    MailboxStatistics statistics() {
        return statistics;
    }

    /** The time of the life cycle and of LOGIN-DELAY: one clock, replaceable in tests. */
    Clock clock() {
        return clock;
    }

    void setClock(Clock clock) {
        this.clock = clock;
    }

    // ---- JMX (merged into Camel's endpoint MBean) and the pop3x dev console ----

    @ManagedAttribute(description = "The mailbox: user@host:port")
    public String getMailbox() {
        return configuration.mailboxKey();
    }

    @ManagedAttribute(description = "Mails handed to the route (each attempt counts)")
    public long getMailsDelivered() {
        return statistics.delivered();
    }

    @ManagedAttribute(description = "Mails handed to the route and not completed yet")
    public long getMailsInFlight() {
        return statistics.inFlight();
    }

    @ManagedAttribute(description = "Mails the route completed successfully")
    public long getMailsCompleted() {
        return statistics.completed();
    }

    @ManagedAttribute(description = "Failed attempts (the route failed, or the server refused to hand the mail out)")
    public long getMailsFailed() {
        return statistics.failed();
    }

    @ManagedAttribute(description = "Mails that became poison (maxAttempts reached)")
    public long getMailsPoisoned() {
        return statistics.poisoned();
    }

    @ManagedAttribute(description = "Mails deleted from the server (DELE confirmed by QUIT)")
    public long getMailsDeleted() {
        return statistics.deleted();
    }

    @ManagedAttribute(description = "Mails the ledger knows (0 while the endpoint is stopped, or not the leader)")
    public int getLedgerEntries() {
        MessageLifecycle current = lifecycle;
        try {
            return current == null ? 0 : current.ledgerEntries();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the ledger of " + configuration.mailboxLabel(), e);
        }
    }

    @ManagedAttribute(description = "When the last poll ended (null before the first)")
    public Date getLastPollTime() {
        long time = statistics.lastPollTime();
        return time == 0 ? null : new Date(time);
    }

    @ManagedAttribute(description = "OK: n mails delivered, or FAILED <reason>: <message> (null before the first poll)")
    public String getLastPollResult() {
        return statistics.lastPollResult();
    }

    @ManagedOperation(description = "The poison mails on record: uid, attempts, firstSeen, lastError")
    public TabularData listPoisonMails() {
        return PoisonMails.table(poisonMails());
    }

    @ManagedOperation(description = "Releases a poison mail for another maxAttempts attempts, from the next poll on;"
                                    + " false if the UIDL is not a poison mail")
    public boolean releasePoisonMail(String uid) throws IOException {
        boolean released = startedLifecycle().retryPoison(uid);
        if (released) {
            LOG.info("{}: poison mail {} released for another attempt", configuration.mailboxLabel(), uid);
        }
        return released;
    }

    /** The poison mails on record, oldest first; empty while the endpoint is stopped. */
    List<LedgerEntry> poisonMails() {
        MessageLifecycle current = lifecycle;
        try {
            return current == null ? List.of() : current.poisonMails();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the ledger of " + configuration.mailboxLabel(), e);
        }
    }

    private MessageLifecycle startedLifecycle() {
        MessageLifecycle current = lifecycle;
        if (current == null) {
            throw new IllegalStateException("pop3x endpoint " + configuration.mailboxLabel()
                                            + (configuration.isClustered()
                                                    ? " is not the mailbox's leader: ask the node that is"
                                                    : " is not started"));
        }
        return current;
    }

    /** Syncs the ledger while a poll goes on routing: the component's pool, shared by its endpoints. */
    ExecutorService ledgerSyncExecutor() {
        return getComponent().ledgerSyncExecutor();
    }

    /** Reads mails ahead while a poll routes (downloadAhead): the component's pool, shared by its endpoints. */
    ExecutorService downloadExecutor() {
        return getComponent().downloadExecutor();
    }

    /** Null when no deadLetterUri is configured. */
    DeadLetterSender deadLetters() {
        return deadLetters;
    }

    /** Opens one POP3 session: connect, TLS, login. The caller closes it. */
    MailboxSession openSession() throws Exception {
        Pop3ClientOptions options = Pop3ClientOptions.builder()
                .host(configuration.getHost())
                .port(configuration.effectivePort())
                .security(configuration.getSecurity())
                .connectTimeout(Duration.ofMillis(configuration.getConnectTimeout()))
                .readTimeout(Duration.ofMillis(configuration.getReadTimeout()))
                .sslContext(sslContext)
                .build();
        AccessTokenProvider tokens = configuration.getAccessTokenProvider();
        Login login = new Login(configuration.getAuthMechanism(), configuration.getUsername(),
                configuration.getPassword(),
                tokens == null ? null : tokens::accessToken, configuration.isXoauth2InitialResponse());
        return MailboxSession.open(options, login, configuration.isPipelining(),
                new Spool(configuration.getSpoolThreshold(), spoolDirectory()));
    }

    /** Camel's stream-cache spool directory when its spooling is on, else the JVM's temp directory. */
    Path spoolDirectory() {
        StreamCachingStrategy streamCaching = getCamelContext().getStreamCachingStrategy();
        File camelSpool = streamCaching.isSpoolEnabled() ? streamCaching.getSpoolDirectory() : null;
        return camelSpool != null ? camelSpool.toPath() : Paths.get(System.getProperty("java.io.tmpdir"));
    }

    Ledger resolveLedger() {
        if (configuration.getLedger() != null) {
            return configuration.getLedger();
        }
        if (configuration.getDataSource() != null) {
            return new JdbcLedger(configuration.getDataSource());
        }
        String dir = configuration.getLedgerDirectory();
        Path path = dir != null ? Paths.get(dir) : Paths.get(System.getProperty("user.home"), ".camel-pop3x");
        return new FileLedger(path);
    }

    MailMapper createMapper(boolean mapMailMessage) {
        return new MailMapper(mapMailMessage,
                configuration.getHeaderFilterStrategy() != null
                        ? configuration.getHeaderFilterStrategy() : new Pop3xHeaderFilterStrategy(),
                configuration.isAttachedMessageParts());
    }

    PolicySettings policySettings() {
        Pop3xConfiguration c = configuration;
        return new PolicySettings(c.isDelete(), c.getDeleteAfter(), c.getMaxAttempts(), c.getPoisonAction(),
                c.getDeadLetterUri() != null, c.getMaxMessageSize(), c.getOversizeAction(), c.getMaxMessagesPerPoll(),
                c.getMaxBytesPerPoll(), c.getClaimTimeout());
    }

    public Pop3xConfiguration getConfiguration() {
        return configuration;
    }

    @Override
    public long getDelay() {
        return delay;
    }

    @Override
    public void setDelay(long delay) {
        super.setDelay(delay);
        this.delay = delay;
    }

    @Override
    public long getDefaultDelay() {
        return DEFAULT_DELAY;
    }
}

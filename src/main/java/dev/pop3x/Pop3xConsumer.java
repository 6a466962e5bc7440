package dev.pop3x;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Queue;

import dev.pop3x.RetrievalWindow.Fetched;
import dev.pop3x.RetrievalWindow.Refused;
import dev.pop3x.RetrievalWindow.Retrieved;
import dev.pop3x.ledger.LedgerFencedException;
import dev.pop3x.mapping.MailMapper;
import dev.pop3x.mapping.Pop3xMessage;
import dev.pop3x.policy.Claim;
import dev.pop3x.policy.MessageLifecycle;
import dev.pop3x.policy.PollPlan;
import dev.pop3x.policy.PollPlan.Delivery;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.Processor;
import org.apache.camel.support.ScheduledBatchPollingConsumer;
import org.apache.camel.util.ObjectHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls one mailbox. One poll is one POP3 session: the snapshot, the deletes and dead letters owed from earlier polls,
 * then each new mail downloaded ({@link RetrievalWindow}), mapped and routed one at a time, then QUIT ({@link Poll}).
 * What happens to a mail after the route is decided by {@link MessageLifecycle}, when its Exchange completes
 * ({@link MailCompletion}); this class only tells the story. With {@code clustered=true} it polls only while it leads
 * the mailbox ({@link MailboxLeadership}), and opens the ledger when it starts to. Without it, a consumer whose ledger
 * another consumer opened since is deposed: it polls no more until restarted ({@link ConsumerDeposedException}).
 */
public class Pop3xConsumer extends ScheduledBatchPollingConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(Pop3xConsumer.class);

    private final Pop3xEndpoint endpoint;
    private final Pop3xConfiguration config;
    private final MailMapper mapper;
    private final LoginDelay loginDelay;
    private final DeadLetters deadLetters;
    private final String mailbox;
    private PollFailureLog failureLog;
    private boolean topRefusedLogged;
    private boolean headerDigestKeysLogged;
    /** The poll in progress, for {@link #processBatch}; also read by {@link #leadershipLost()}. */
    private volatile Poll current;
    private MessageLifecycle lifecycle;
    /** Null unless clustered. */
    private volatile MailboxLeadership leadership;
    /** Not clustered, and another consumer opened the mailbox's ledger since: no poll until restarted. */
    private volatile ConsumerDeposedException deposed;

    public Pop3xConsumer(Pop3xEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        this.endpoint = endpoint;
        this.config = endpoint.getConfiguration();
        this.mapper = endpoint.createMapper(config.isMapMailMessage());
        this.loginDelay = new LoginDelay(endpoint.clock());
        this.mailbox = config.mailboxLabel();
        this.deadLetters = new DeadLetters(endpoint::deadLetters, mailbox);
    }

    /** Set when no exceptionHandler or bridgeErrorHandler is configured: failed polls are logged once per streak. */
    void setPollFailureLog(PollFailureLog failureLog) {
        this.failureLog = failureLog;
        setExceptionHandler(failureLog);
    }

    /** The server asked for a minimum time between logins (LOGIN-DELAY): polls before then are not made at all. */
    @Override
    protected boolean isPollAllowed() {
        return super.isPollAllowed() && loginDelay.allowsLoginNow();
    }

    @Override
    protected void doBuild() throws Exception {
        setHealthCheck(new LeadershipHealthCheck(this, "consumer:" + getRouteId()));
        super.doBuild();
    }

    @Override
    protected void doStart() throws Exception {
        if (config.isClustered()) {
            leadership = MailboxLeadership.join(getEndpoint().getCamelContext(), config, this::leadershipLost);
        } else {
            takeMailboxBack();
        }
        super.doStart();
    }

    /**
     * Opens the endpoint's ledger again if a deposition closed it. A route restart creates a new consumer but keeps the
     * endpoint, whose ledger stays closed after its consumer was deposed; opening it takes a new fencing epoch, which
     * deposes whoever holds the mailbox now. Restarting the route is how an operator gives the mailbox back to this
     * consumer. Nothing to do on a first start: the endpoint, started first, opened the ledger.
     */
    private void takeMailboxBack() throws IOException {
        deposed = null;
        if (endpoint.lifecycle() == null) {
            endpoint.openLedger();
            LOG.info("{}: started again after a deposition; this consumer holds the mailbox's ledger again", mailbox);
        }
    }

    @Override
    protected void doStop() throws Exception {
        super.doStop();
        MailboxLeadership joined = leadership;
        if (joined != null) {
            // the ledger first: a file ledger held here would keep the next leader out
            endpoint.closeLedger();
            joined.leave();
            leadership = null;
        }
    }

    /** Null unless clustered. */
    MailboxLeadership leadership() {
        return leadership;
    }

    /** Why this consumer polls no more until restarted; null while it polls. */
    ConsumerDeposedException deposition() {
        return deposed;
    }

    String mailbox() {
        return mailbox;
    }

    @Override
    protected int poll() throws Exception {
        shutdownRunningTask = null;
        pendingExchanges = 0;
        if (deposed != null) {
            return 0; // no login, no log: it said why once, its health check keeps saying it
        }
        MailboxLeadership leader = leadership;
        if (leader != null && !leader.isLeader()) {
            endpoint.closeLedger(); // if this node led until now
            forceConsumerAsReady(); // standing by is what it should do
            return 0;
        }
        // clustered: the ledger is opened (a new epoch taken) by the first poll of a leadership
        lifecycle = leader != null ? endpoint.openLedger() : endpoint.lifecycle();
        if (leader != null && !leader.isLeader()) {
            endpoint.closeLedger(); // lost while it was opening
            return 0;
        }
        try (Poll poll = openPoll()) {
            current = poll;
            PollPlan plan = lifecycle.plan(poll.snapshot(), poll.session());
            poll.deleteAll(plan.owedDeletes());
            deadLetters.sendOwed(poll, lifecycle, plan.deadLetters());
            int delivered = processBatch(new ArrayDeque<>(plan.deliveries()));
            poll.finish();
            pollEnded("OK: " + delivered + " mails delivered");
            if (failureLog != null) {
                failureLog.pollSucceeded();
            }
            return delivered;
        } catch (Exception e) {
            if (isDeposition(leader, e)) {
                if (leader == null) {
                    throw depose(e);
                }
                stepDown(leader, e);
                return 0;
            }
            pollEnded(PollFailure.of(e).toString());
            throw e;
        } finally {
            current = null;
        }
    }

    /**
     * The poll stopped because another consumer holds the mailbox now: the ledger refused this consumer's epoch (with
     * or without leadership), or, clustered, the view no longer shows this node leading.
     */
    private static boolean isDeposition(MailboxLeadership leader, Exception e) {
        return fencedBy(e) != null
               || leader != null && (e instanceof LeadershipLostException || !leader.isLeader());
    }

    /** The ledger's refusal anywhere in the cause chain (a completion's refusal reaches the poll wrapped). */
    private static LedgerFencedException fencedBy(Exception e) {
        return ObjectHelper.getException(LedgerFencedException.class, e);
    }

    /**
     * Without leadership nothing decides which consumer polls a shared mailbox but the ledger's epoch: the one that
     * opened it last. Polling on would only log in again every delay, fail at the first write and hold Dovecot's lock
     * against the consumer that has the mailbox now. So this one closes its ledger and stops until restarted; the
     * failure goes to its exception handler once (logged at ERROR by default) and stays in its health check.
     */
    private ConsumerDeposedException depose(Exception e) {
        endpoint.closeLedger();
        ConsumerDeposedException deposition = new ConsumerDeposedException(fencedBy(e));
        deposed = deposition;
        pollEnded(PollFailure.of(deposition).toString());
        return deposition;
    }

    /**
     * Stops polling until this node leads again: no DELE went out (the poll ended without QUIT), the ledger is closed.
     * Refused by the ledger while the view still shows this node leading: another node opened the mailbox with a newer
     * epoch, so the views disagree; this node gives its leadership up and a new election decides.
     */
    private void stepDown(MailboxLeadership leader, Exception e) throws Exception {
        endpoint.closeLedger();
        boolean fenced = fencedBy(e) != null;
        LOG.info("{}: no longer the leader of the mailbox{}; stopped polling ({})", mailbox,
                fenced ? " (the ledger refused its epoch)" : "", e.getMessage());
        if (fenced && leader.isLeader()) {
            leader.rejoin();
        }
    }

    /** The cluster service's event: the poll in progress is cut off and the ledger closed, now. */
    private void leadershipLost() {
        Poll running = current;
        if (running != null) {
            running.abort();
        }
        if (endpoint.closeLedger()) {
            LOG.info("{}: leadership of the mailbox lost; ledger closed", mailbox);
        }
    }

    private Poll openPoll() throws Exception {
        MailboxLeadership leader = leadership;
        Poll poll = Poll.open(loginDelay, endpoint::openSession, lifecycle, endpoint.ledgerSyncExecutor(),
                config.getCommitEvery(), mailbox, leader == null ? () -> true : leader::isLeader);
        // logged in and listed: ready, although the first poll may take long to drain a full mailbox
        forceConsumerAsReady();
        if (poll.session().usesHeaderDigestKeys() && !headerDigestKeysLogged) {
            LOG.warn(
                    "{}: the server has no UIDL; mails are told apart by a digest of their header and size (one TOP per"
                     + " mail and poll)",
                    mailbox);
            headerDigestKeysLogged = true;
        }
        return poll;
    }

    private void pollEnded(String result) {
        endpoint.statistics().pollEnded(endpoint.clock().millis(), result);
    }

    /**
     * Camel's consumer health check shows these details while the consumer is DOWN: why the last poll failed, as the
     * POP3 server said it ({@code pop3x.reason}, {@code pop3x.responseCode}, ...). Cleared by Camel on the next
     * successful poll.
     */
    @Override
    protected Map<String, Object> getLastErrorDetails() {
        Map<String, Object> camel = super.getLastErrorDetails();
        Throwable failure = getLastError();
        if (failure == null) {
            return camel;
        }
        Map<String, Object> details = PollFailure.of(failure).details(mailbox);
        if (camel != null) {
            details.putAll(camel);
        }
        return details;
    }

    /** Downloads and routes the planned mails of the poll in progress, in order; returns how many were routed. */
    @Override
    @SuppressWarnings("unchecked")
    public int processBatch(Queue<Object> deliveries) throws Exception {
        RetrievalWindow window = new RetrievalWindow(current, lifecycle, (Queue<Delivery>) (Queue<?>) deliveries,
                config.getCommitEvery(), this::isBatchAllowed);
        DownloadAhead ahead = downloadsAhead(deliveries)
                ? DownloadAhead.start(window, lifecycle, endpoint.downloadExecutor(), config.getDownloadAhead(),
                        this::prepare)
                : null;
        try {
            int routed = 0;
            for (Retrieved answer = next(window, ahead); answer != null; answer = next(window, ahead)) {
                if (answer instanceof Refused refused) {
                    refused(refused);
                } else if (!current.isLeading()) {
                    // not a mail more once the mailbox is another node's; the ones in flight are released below
                    ((Fetched) answer).raw().close();
                    lifecycle.release(answer.claim());
                    throw current.leadershipLost();
                } else if (!isBatchAllowed()) {
                    // stopping: what was already requested is read off the socket (QUIT needs that) but not routed
                    ((Fetched) answer).raw().close();
                    lifecycle.release(answer.claim());
                } else {
                    int total = window.expectedCount();
                    pendingExchanges = total - routed - 1;
                    route((Fetched) answer, routed, total);
                    routed++;
                }
                if (ahead == null) {
                    window.answerHandled(); // with a reader ahead there is no commitEvery commit to make
                }
            }
            return routed;
        } catch (Exception e) {
            // whatever failed (connection, ledger, a local error), the mails requested and not routed are free again
            if (ahead != null) {
                ahead.stop(e); // the window is this thread's again
            }
            window.releaseUnread(e);
            throw e;
        } finally {
            if (ahead != null) {
                ahead.close();
            }
        }
    }

    /**
     * Whether a second thread reads the poll's mails ahead of the route: only when the server pipelines (without, each
     * command waits for its answer anyway) and commits are not made between windows (commitEvery reconnects, which
     * the poll thread does), and only when there is more than one mail to get.
     */
    private boolean downloadsAhead(Queue<Object> deliveries) {
        return config.getDownloadAhead() > 0 && config.getCommitEvery() == 0 && current.session().isPipelining()
               && deliveries.size() > 1;
    }

    /** On the reading thread: the mapping that needs no Exchange. */
    private Retrieved prepare(Retrieved answer) {
        return answer instanceof Fetched fetched ? fetched.mapped(mapper.prepare(fetched.raw())) : answer;
    }

    private static Retrieved next(RetrievalWindow window, DownloadAhead ahead) throws Exception {
        return ahead != null ? ahead.next() : window.next();
    }

    /** The server would not hand out this one mail; the session is still fine. */
    private void refused(Refused refused) throws Exception {
        Claim claim = refused.claim();
        if (claim.headersOnly()) {
            // downloading the whole mail is what maxMessageSize forbids: it stays where it is
            lifecycle.release(claim);
            if (!current.session().offersTop()) {
                lifecycle.topRefused(); // no TOP at all: from now on oversize mails are skipped when planned
                if (!topRefusedLogged) {
                    LOG.warn("{}: the server refused TOP ({}) and does not list it in CAPA; oversize mails are skipped"
                             + " instead of delivered as headers",
                            mailbox, refused.error().getMessage());
                    topRefusedLogged = true;
                }
            }
            return;
        }
        // counts as a failed attempt, so such a mail ends as poison instead of blocking the mailbox
        LOG.warn("{}: the server refused to hand out mail {}: {}", mailbox, claim.uid(), refused.error().getMessage());
        lifecycle.failed(claim, refused.error().getMessage(), new PolledMail(current, deadLetters, null, null));
    }

    private void route(Fetched fetched, int index, int total) throws Exception {
        Claim claim = fetched.claim();
        DeliveryHeaders headers = new DeliveryHeaders(claim.delivery().mail(), claim.attempt(),
                claim.entry().firstSeen(), claim.headersOnly());
        PolledMail mail = new PolledMail(current, deadLetters, fetched.raw(), headers);
        Exchange exchange = createExchange(false);
        try {
            try {
                Pop3xMessage in = new Pop3xMessage(exchange);
                exchange.setIn(in);
                in.addHeaders(headers::applyTo);
                mapper.apply(fetched.mapping() != null ? fetched.mapping() : mapper.prepare(fetched.raw()), in);
                exchange.setProperty(ExchangePropertyKey.BATCH_INDEX, index);
                exchange.setProperty(ExchangePropertyKey.BATCH_SIZE, total);
                exchange.setProperty(ExchangePropertyKey.BATCH_COMPLETE, index == total - 1);
                exchange.getExchangeExtension().addOnCompletion(new MailCompletion(lifecycle, claim, mail,
                        endpoint.statistics(), getExceptionHandler(), mailbox));
            } catch (RuntimeException e) {
                // never reached the route (the local spool could not be read): as if it had not been downloaded
                mail.close();
                lifecycle.release(claim);
                throw e;
            }
            endpoint.statistics().routeStarted(); // MailCompletion counts its end
            try {
                getProcessor().process(exchange);
            } catch (Exception e) {
                exchange.setException(e);
            }
            // a failure was handled by the route's error handler and is recorded by MailCompletion; nothing else to do
            if (exchange.getException() != null) {
                LOG.debug("{}: mail {} failed in the route", mailbox, claim.uid(), exchange.getException());
            }
        } finally {
            releaseExchange(exchange, false);
        }
    }
}

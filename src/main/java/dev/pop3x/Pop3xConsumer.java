package dev.pop3x;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;

import dev.pop3x.mapping.MailMapper;
import dev.pop3x.mapping.Pop3xMessage;
import dev.pop3x.policy.MessageLifecycle;
import dev.pop3x.policy.MessageLifecycle.Claim;
import dev.pop3x.policy.Outcome;
import dev.pop3x.policy.PollPlan;
import dev.pop3x.policy.PollPlan.Delivery;
import dev.pop3x.protocol.Pop3Exception;
import dev.pop3x.session.MailboxMessage;
import dev.pop3x.session.MailboxSession;
import dev.pop3x.session.MailboxSnapshot;
import dev.pop3x.session.MailboxUnavailableException;
import dev.pop3x.session.SpooledMessage;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.Processor;
import org.apache.camel.spi.Synchronization;
import org.apache.camel.support.ScheduledBatchPollingConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One poll = one POP3 session: snapshot (UIDL + LIST), owed deletes and dead letters, then each new mail downloaded,
 * mapped and routed one at a time (never the whole batch in memory), then QUIT. What happens to a mail after the
 * route is decided by {@link MessageLifecycle}; this class only carries it out on the session.
 */
public class Pop3xConsumer extends ScheduledBatchPollingConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(Pop3xConsumer.class);

    private final Pop3xEndpoint endpoint;
    private final Pop3xConfiguration config;
    private final MailMapper mapper;
    private boolean topRefusedLogged;
    private boolean headerDigestKeysLogged;
    private Duration loginDelay = Duration.ZERO;
    private long nextLoginAllowed;

    // state of the poll in progress; touched by the poll thread only, except pendingDeletes (thread-safe)
    private MessageLifecycle lifecycle;
    private MailboxSession session;
    private MailboxSnapshot snapshot;
    private LedgerSync ledgerSync;
    private volatile PendingDeletes pendingDeletes;

    public Pop3xConsumer(Pop3xEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        this.endpoint = endpoint;
        this.config = endpoint.getConfiguration();
        this.mapper = endpoint.createMapper(config.isMapMailMessage());
    }

    /** The server asked for a minimum time between logins (LOGIN-DELAY): polls before then are not made at all. */
    @Override
    protected boolean isPollAllowed() {
        return super.isPollAllowed() && System.currentTimeMillis() >= nextLoginAllowed;
    }

    @Override
    protected int poll() throws Exception {
        try {
            int delivered = pollMailbox();
            endpoint.statistics().pollEnded(System.currentTimeMillis(), "OK: " + delivered + " mails delivered");
            return delivered;
        } catch (Exception e) {
            endpoint.statistics().pollEnded(System.currentTimeMillis(), PollFailure.of(e).toString());
            throw e;
        }
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
        Map<String, Object> details = PollFailure.of(failure).details(config.mailboxKey());
        if (camel != null) {
            details.putAll(camel);
        }
        return details;
    }

    private int pollMailbox() throws Exception {
        shutdownRunningTask = null;
        pendingExchanges = 0;
        lifecycle = endpoint.lifecycle();
        openSession();
        boolean quitDone = false;
        try {
            int delivered = pollOpenSession();
            quitDone = true;
            if (getExceptionHandler() instanceof PollFailureLog failures) {
                failures.pollSucceeded();
            }
            return delivered;
        } finally {
            pendingDeletes = null;
            if (!quitDone) {
                quitAfterFailure();
            }
            closeSession();
            if (ledgerSync != null) {
                ledgerSync.awaitQuietly();
                ledgerSync = null;
            }
        }
    }

    private int pollOpenSession() throws Exception {
        // with windows in flight, the ledger syncs in the background and DELEs follow a window later
        boolean syncInBackground = session.isPipelining() && config.getCommitEvery() == 0;
        ledgerSync = new LedgerSync(lifecycle, syncInBackground ? endpoint.ledgerSyncExecutor() : null);
        PollPlan plan = lifecycle.plan(snapshot);
        PendingDeletes deletes = new PendingDeletes();
        plan.owedDeletes().forEach(deletes::offer);
        pendingDeletes = deletes;
        for (MailboxMessage mail : plan.deadLetters()) {
            sendOwedDeadLetter(mail);
        }
        int delivered = processBatch(new ArrayDeque<>(plan.deliveries()));
        // completions arriving from now on are left to the next poll (they are delete-pending in the ledger)
        pendingDeletes = null;
        deletes.close();
        for (String uid : ledgerSync.syncAll(deletes)) { // every delete still owed, sent together with the QUIT
            session.requestDelete(uid, snapshot.numbersOf(uid));
        }
        quit();
        return delivered;
    }

    private void openSession() throws Exception {
        long loginAt = System.currentTimeMillis();
        try {
            session = endpoint.openSession();
        } catch (MailboxUnavailableException e) {
            if ("LOGIN-DELAY".equals(e.code())) {
                loginDelay = e.loginDelay().isZero() ? loginDelay : e.loginDelay();
                nextLoginAllowed = loginAt + loginDelay.toMillis();
            }
            throw e;
        }
        loginDelay = session.loginDelay();
        nextLoginAllowed = loginAt + loginDelay.toMillis();
        try {
            snapshot = session.snapshot();
        } catch (Exception e) {
            closeSession();
            throw e;
        }
        // logged in and listed: ready, although the first poll may take long to drain a full mailbox
        forceConsumerAsReady();
        if (session.usesHeaderDigestKeys() && !headerDigestKeysLogged) {
            LOG.warn("{}: the server has no UIDL; mails are told apart by a digest of their header and size (one TOP per"
                     + " mail and poll)", config.mailboxKey());
            headerDigestKeysLogged = true;
        }
    }

    private void closeSession() {
        if (session != null) {
            session.close();
        }
        session = null;
        snapshot = null;
    }

    /** QUIT; only its +OK makes the DELEs of the session final. */
    private void quit() throws IOException {
        if (ledgerSync != null) {
            ledgerSync.awaitQuietly(); // deletes it covered and that were not sent stay owed to the next session
        }
        lifecycle.sync();
        boolean confirmed = session.quit();
        Set<String> marked = session.markedForDeletion();
        if (confirmed) {
            lifecycle.deleted(marked);
        } else if (!marked.isEmpty()) {
            LOG.warn("{}: the server did not confirm QUIT; {} deletes stay pending and are retried on the next poll",
                    config.mailboxKey(), marked.size());
        }
    }

    /**
     * The poll is failing, but the connection may still be fine (a local error, say): a QUIT then makes the deletes
     * of completed mails final now rather than on the next poll. Any problem here is secondary to the one in flight.
     */
    private void quitAfterFailure() {
        if (session != null && session.isOpen() && !session.awaitsMessageAnswers()
            && !session.markedForDeletion().isEmpty()) {
            try {
                quit();
            } catch (IOException | RuntimeException e) {
                LOG.debug("{}: QUIT after a failed poll did not go through", config.mailboxKey(), e);
            }
        }
    }

    /**
     * commitEvery: make the deletes so far final, then go on in a new session (message numbers change). Not while the
     * server announces a LOGIN-DELAY: it would refuse the new login.
     */
    private void commitIfDue() throws Exception {
        if (config.getCommitEvery() > 0 && session.markedForDeletion().size() >= config.getCommitEvery()
            && loginDelay.isZero()) {
            quit();
            closeSession();
            openSession();
        }
    }

    /** Mails whose RETRs go out together when the server pipelines: bounded in count and in LIST bytes. */
    private static final int WINDOW_MAILS = 100;
    private static final long WINDOW_BYTES = 8L * 1024 * 1024;

    /** A requested mail: claimed, its RETR (or TOP) sent, its answer not read yet. */
    private record Requested(MailboxMessage mail, boolean headersOnly, Claim claim) {
    }

    /**
     * Delivers the planned mails window by window: claim a window's mails, send the owed DELEs and the window's RETRs
     * in one write, then read and route each answer in order. Only one mail is held at a time; the next ones wait in
     * the socket. When half of a window is routed, the next window is claimed and requested, so the server is
     * already sending it while the rest of this one is routed (not with commitEvery, which reconnects between
     * windows). Without PIPELINING a window is one mail and every command waits for its answer.
     */
    @Override
    public int processBatch(Queue<Object> deliveries) throws Exception {
        Deque<Requested> inFlight = new ArrayDeque<>();
        try {
            return deliver(deliveries, inFlight);
        } catch (Exception e) {
            // whatever failed (connection, ledger, a local error), the mails requested and not routed are free again
            for (Requested unread = inFlight.poll(); unread != null; unread = inFlight.poll()) {
                try {
                    lifecycle.release(unread.claim());
                } catch (IOException | RuntimeException releaseFailed) {
                    e.addSuppressed(releaseFailed); // held until claimTimeout, or until the next start
                }
            }
            throw e;
        }
    }

    private int deliver(Queue<Object> deliveries, Deque<Requested> inFlight) throws Exception {
        int total = deliveries.size();
        int index = 0;
        int delivered = 0;
        int refillAt = -1;
        while (!inFlight.isEmpty() || !deliveries.isEmpty() && isBatchAllowed()) {
            if (inFlight.size() == refillAt || inFlight.isEmpty()) {
                int requested = requestWindow(deliveries, inFlight);
                // the next request goes out when half of this window is read (what is in flight then is its rest)
                refillAt = config.getCommitEvery() > 0 || !session.isPipelining() ? -1 : requested - requested / 2;
                if (inFlight.isEmpty()) {
                    continue; // the window's mails are gone from the snapshot (or taken by someone else)
                }
            }
            Requested r = inFlight.peek();
            SpooledMessage raw = readAnswer(r);
            inFlight.poll();
            pendingExchanges = total - index - 1;
            if (raw != null && !isBatchAllowed()) {
                // stopping: what was already requested is read off the socket (QUIT needs that) but not routed
                raw.close();
                lifecycle.release(r.claim());
            } else if (raw != null) {
                route(r, raw, index, total);
                delivered++;
            }
            index++;
            if (inFlight.isEmpty()) {
                commitIfDue();
            }
        }
        return delivered;
    }

    /**
     * Claims the next window (when the consumer may go on), queues its mails behind those already in flight, and
     * sends the DELEs that may leave and the window's RETRs in one write.
     *
     * @return how many mails were requested
     */
    private int requestWindow(Queue<Object> deliveries, Deque<Requested> inFlight) throws IOException {
        List<Requested> window = deliveries.isEmpty() || !isBatchAllowed() ? List.of() : claimWindow(deliveries);
        inFlight.addAll(window);
        requestDeletes(pendingDeletes);
        for (Requested r : window) {
            session.requestMessage(r.mail(), r.headersOnly());
        }
        session.flush();
        return window.size();
    }

    /** Claims the next mails for one window; numbers are looked up again (a commitEvery reconnect changes them). */
    private List<Requested> claimWindow(Queue<Object> deliveries) throws IOException {
        int maxMails = !session.isPipelining() ? 1
                : config.getCommitEvery() > 0 ? Math.min(WINDOW_MAILS, config.getCommitEvery()) : WINDOW_MAILS;
        Map<String, Delivery> candidates = new LinkedHashMap<>();
        long bytes = 0;
        while (!deliveries.isEmpty() && candidates.size() < maxMails && (candidates.isEmpty() || bytes < WINDOW_BYTES)) {
            Delivery delivery = (Delivery) deliveries.poll();
            MailboxMessage mail = snapshot.find(delivery.mail().uid()).orElse(null);
            if (mail != null) {
                candidates.put(mail.uid(), new Delivery(mail, delivery.headersOnly()));
                bytes += Math.max(mail.size(), 0);
            }
        }
        List<Requested> window = new ArrayList<>();
        for (Claim claim : lifecycle.claimAll(new ArrayList<>(candidates.keySet()))) {
            Delivery d = candidates.get(claim.entry().uid());
            window.add(new Requested(d.mail(), d.headersOnly(), claim));
        }
        return window;
    }

    /**
     * The answer for r, the first mail in flight (DELE answers that come before it are read first). Null when this
     * one mail cannot be had: a {@code -ERR} (expunged by another session, unreadable on the server) counts as a
     * failed attempt, so such a mail ends as poison instead of blocking the mailbox; the session is still fine.
     */
    private SpooledMessage readAnswer(Requested r) throws IOException {
        try {
            logRefusedDeletes(session.readDeleteAnswers());
            return session.readMessage();
        } catch (Pop3Exception e) {
            if (r.headersOnly()) {
                refusedTop(r, e);
            } else {
                refusedRetr(r, e);
            }
            return null;
        }
    }

    /** No TOP: downloading the whole mail is what maxMessageSize forbids, so it is skipped. */
    private void refusedTop(Requested r, Pop3Exception e) throws IOException {
        lifecycle.release(r.claim());
        if (!topRefusedLogged) {
            LOG.warn("{}: the server refused TOP ({}); oversize mails are skipped instead of delivered as headers",
                    config.mailboxKey(), e.getMessage());
            topRefusedLogged = true;
        }
    }

    private void refusedRetr(Requested r, Pop3Exception e) throws IOException {
        LOG.warn("{}: the server refused to hand out mail {}: {}", config.mailboxKey(), r.mail().uid(), e.getMessage());
        Outcome outcome = lifecycle.failed(r.claim(), e.getMessage(), false);
        if (outcome == Outcome.DEAD_LETTER) {
            lifecycle.deadLetterFailed(r.mail().uid()); // nothing to send; the next poll tries the dead letter again
        } else {
            requestDeleteIf(outcome, r.mail().uid());
        }
    }

    private void route(Requested r, SpooledMessage raw, int index, int total) throws Exception {
        MailboxMessage mail = r.mail();
        DeliveryHeaders headers = new DeliveryHeaders(mail, r.claim().attempt(), r.claim().entry().firstSeen(),
                r.headersOnly());
        Exchange exchange = createExchange(false);
        try {
            try {
                Pop3xMessage in = new Pop3xMessage(exchange);
                exchange.setIn(in);
                in.addHeaders(headers::applyTo);
                mapper.map(raw, in);
                exchange.setProperty(ExchangePropertyKey.BATCH_INDEX, index);
                exchange.setProperty(ExchangePropertyKey.BATCH_SIZE, total);
                exchange.setProperty(ExchangePropertyKey.BATCH_COMPLETE, index == total - 1);
                exchange.getExchangeExtension().addOnCompletion(new MailCompletion(r.claim(), headers, raw));
            } catch (RuntimeException e) {
                // never reached the route (the local spool could not be read): as if it had not been downloaded
                raw.close();
                lifecycle.release(r.claim());
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
                LOG.debug("{}: mail {} failed in the route", config.mailboxKey(), mail.uid(), exchange.getException());
            }
        } finally {
            releaseExchange(exchange, false);
        }
    }

    /** A poison mail whose dead letter did not go out when it failed (endpoint down, or the JVM died). */
    private void sendOwedDeadLetter(MailboxMessage mail) throws Exception {
        Claim claim = lifecycle.claim(mail.uid(), true).orElse(null);
        if (claim == null) {
            return;
        }
        SpooledMessage raw;
        try {
            session.requestMessage(mail, false);
            session.flush();
            raw = session.readMessage();
        } catch (Pop3Exception e) {
            // the server will not hand it out: no dead letter can carry it; poisonAction still applies
            LOG.warn("{}: poison mail {} cannot be downloaded for the dead letter endpoint: {}", config.mailboxKey(),
                    mail.uid(), e.getMessage());
            requestDeleteIf(lifecycle.poisoned(mail.uid()), mail.uid());
            return;
        } catch (Exception e) {
            lifecycle.release(claim);
            throw e;
        }
        DeliveryHeaders headers = new DeliveryHeaders(mail, claim.entry().attempts(), claim.entry().firstSeen(), false);
        deadLetter(mail.uid(), raw, headers, claim.entry().lastError());
    }

    /** Sends a poison mail to the dead letter endpoint, then applies poisonAction; on refusal the next poll retries. */
    private void deadLetter(String uid, SpooledMessage raw, DeliveryHeaders headers, String failure) throws IOException {
        DeadLetterSender sender = endpoint.deadLetters();
        String refused = sender == null ? "the endpoint is stopped" : sender.send(raw, headers, failure);
        if (refused != null) {
            raw.close();
            lifecycle.deadLetterFailed(uid);
            LOG.warn("{}: dead letter endpoint refused poison mail {}; tried again on the next poll: {}",
                    config.mailboxKey(), uid, refused);
            return;
        }
        requestDeleteIf(lifecycle.poisoned(uid), uid);
    }

    /** Queues a DELE for every mail completed so far (poll thread only); they go out with the next flush. */
    private void requestDeletes(PendingDeletes deletes) throws IOException {
        if (deletes == null) {
            return;
        }
        for (String uid : ledgerSync.durableDeletes(deletes)) { // their completions are on disk
            session.requestDelete(uid, snapshot.numbersOf(uid));
        }
    }

    private void logRefusedDeletes(List<String> refused) {
        // a refused mail stays delete-pending and is retried on the next poll
        refused.forEach(r -> LOG.warn("{}: DELE refused for {}", config.mailboxKey(), r));
    }

    /** Offers a DELE to the poll in progress; otherwise the ledger's delete-pending state carries it to the next poll. */
    private void requestDeleteIf(Outcome outcome, String uid) {
        if (outcome != Outcome.DELETE) {
            return;
        }
        PendingDeletes deletes = pendingDeletes;
        if (deletes == null || !deletes.offer(uid)) {
            LOG.debug("{}: {} completed after its session closed; deleted on the next poll", config.mailboxKey(), uid);
        }
    }

    /** Applies the policy when the Exchange's unit of work really ends, on whatever thread that is. */
    private final class MailCompletion implements Synchronization {
        private final Claim claim;
        private final DeliveryHeaders headers;
        private final SpooledMessage raw;

        MailCompletion(Claim claim, DeliveryHeaders headers, SpooledMessage raw) {
            this.claim = claim;
            this.headers = headers;
            this.raw = raw;
        }

        private String uid() {
            return headers.mail().uid();
        }

        @Override
        public void onComplete(Exchange exchange) {
            endpoint.statistics().routeEnded();
            try {
                // within a poll the ledger is synced before the next DELE or QUIT leaves; after it, at once
                requestDeleteIf(endpoint.lifecycle().succeeded(claim, headers.truncated(), pendingDeletes != null), uid());
            } catch (IOException | RuntimeException e) {
                LOG.error("{}: cannot record the completion of {} in the ledger; it may be delivered again",
                        config.mailboxKey(), uid(), e);
            } finally {
                raw.close();
            }
        }

        @Override
        public void onFailure(Exchange exchange) {
            endpoint.statistics().routeEnded();
            try {
                String failure = failureText(exchange);
                Outcome outcome = endpoint.lifecycle().failed(claim, failure, pendingDeletes != null);
                if (outcome == Outcome.DEAD_LETTER) {
                    deadLetter(uid(), raw, headers, failure); // the raw message goes with it, and is closed there
                    return;
                }
                requestDeleteIf(outcome, uid());
                raw.close();
            } catch (IOException | RuntimeException e) {
                raw.close();
                LOG.error("{}: cannot record the failure of {} in the ledger", config.mailboxKey(), uid(), e);
            }
        }
    }

    private static String failureText(Exchange exchange) {
        Exception e = exchange.getException() != null
                ? exchange.getException() : exchange.getProperty(ExchangePropertyKey.EXCEPTION_CAUGHT, Exception.class);
        return e == null ? "the route marked the Exchange as failed" : e.toString();
    }
}

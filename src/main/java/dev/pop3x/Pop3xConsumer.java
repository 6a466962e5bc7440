package dev.pop3x;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashSet;
import java.util.Queue;
import java.util.Set;

import dev.pop3x.mapping.MailMapper;
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
    private volatile PendingDeletes pendingDeletes;
    private final Set<String> deletesSent = new LinkedHashSet<>();

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
        shutdownRunningTask = null;
        pendingExchanges = 0;
        deletesSent.clear();
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
        }
    }

    private int pollOpenSession() throws Exception {
        PollPlan plan = lifecycle.plan(snapshot);
        PendingDeletes deletes = new PendingDeletes();
        plan.owedDeletes().forEach(deletes::offer);
        pendingDeletes = deletes;
        sendDeletes();
        for (MailboxMessage mail : plan.deadLetters()) {
            sendOwedDeadLetter(mail);
        }
        int delivered = processBatch(new ArrayDeque<>(plan.deliveries()));
        // completions arriving from now on are left to the next poll (they are delete-pending in the ledger)
        pendingDeletes = null;
        deletes.close();
        drain(deletes);
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
        if (session.quit()) {
            lifecycle.deleted(deletesSent);
        } else if (!deletesSent.isEmpty()) {
            LOG.warn("{}: the server did not confirm QUIT; {} deletes stay pending and are retried on the next poll",
                    config.mailboxKey(), deletesSent.size());
        }
        deletesSent.clear();
    }

    /**
     * The poll is failing, but the connection may still be fine (a local error, say): a QUIT then makes the deletes
     * of completed mails final now rather than on the next poll. Any problem here is secondary to the one in flight.
     */
    private void quitAfterFailure() {
        if (session != null && session.isOpen() && !deletesSent.isEmpty()) {
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
        if (config.getCommitEvery() > 0 && deletesSent.size() >= config.getCommitEvery() && loginDelay.isZero()) {
            quit();
            closeSession();
            openSession();
        }
    }

    @Override
    public int processBatch(Queue<Object> deliveries) throws Exception {
        int total = deliveries.size();
        int delivered = 0;
        for (int index = 0; index < total && isBatchAllowed(); index++) {
            Delivery delivery = (Delivery) deliveries.poll();
            pendingExchanges = total - index - 1;
            // numbers are per session: after a commitEvery reconnect the mail may have another, or be gone
            MailboxMessage mail = snapshot.find(delivery.mail().uid()).orElse(null);
            if (mail != null && deliver(mail, delivery.headersOnly(), index, total)) {
                delivered++;
            }
            sendDeletes();
        }
        return delivered;
    }

    private boolean deliver(MailboxMessage mail, boolean headersOnly, int index, int total) throws Exception {
        Claim claim = lifecycle.claim(mail.uid(), false).orElse(null);
        if (claim == null) {
            return false;
        }
        SpooledMessage raw = download(mail, headersOnly, claim);
        if (raw == null) {
            return false;
        }
        DeliveryHeaders headers = new DeliveryHeaders(mail, claim.attempt(), claim.entry().firstSeen(), headersOnly);
        Exchange exchange = createExchange(false);
        try {
            try {
                headers.applyTo(exchange.getIn());
                mapper.map(raw, exchange.getIn());
                exchange.setProperty(ExchangePropertyKey.BATCH_INDEX, index);
                exchange.setProperty(ExchangePropertyKey.BATCH_SIZE, total);
                exchange.setProperty(ExchangePropertyKey.BATCH_COMPLETE, index == total - 1);
                exchange.getExchangeExtension().addOnCompletion(new MailCompletion(claim, headers, raw));
            } catch (RuntimeException e) {
                // never reached the route (the local spool could not be read): as if it had not been downloaded
                raw.close();
                lifecycle.release(claim);
                throw e;
            }
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
        return true;
    }

    /**
     * RETR, or TOP n 0 for a headers-only delivery. Null when this mail cannot be had: a {@code -ERR} for one mail
     * (expunged by another session, unreadable on the server) counts as a failed attempt, so such a mail ends as
     * poison instead of blocking the mailbox; the session itself is still fine and the poll goes on.
     */
    private SpooledMessage download(MailboxMessage mail, boolean headersOnly, Claim claim) throws IOException {
        try {
            return headersOnly
                    ? session.retrieveHeader(mail.number(), config.getSpoolThreshold())
                    : session.retrieve(mail.number(), config.getSpoolThreshold());
        } catch (Pop3Exception e) {
            if (headersOnly) {
                // no TOP: downloading the whole mail is what maxMessageSize forbids, so it is skipped
                lifecycle.release(claim);
                if (!topRefusedLogged) {
                    LOG.warn("{}: the server refused TOP ({}); oversize mails are skipped instead of delivered as headers",
                            config.mailboxKey(), e.getMessage());
                    topRefusedLogged = true;
                }
                return null;
            }
            LOG.warn("{}: the server refused to hand out mail {}: {}", config.mailboxKey(), mail.uid(), e.getMessage());
            Outcome outcome = lifecycle.failed(claim, e.getMessage());
            if (outcome == Outcome.DEAD_LETTER) {
                lifecycle.deadLetterFailed(mail.uid()); // nothing to send; the next poll tries the dead letter again
            } else if (outcome == Outcome.DELETE) {
                pendingDeletes.offer(mail.uid());
            }
            return null;
        } catch (IOException | RuntimeException e) {
            lifecycle.release(claim);
            throw e;
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
            raw = session.retrieve(mail.number(), config.getSpoolThreshold());
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

    /** Sends the DELEs requested so far (poll thread only), and commits if commitEvery says so. */
    private void sendDeletes() throws Exception {
        PendingDeletes deletes = pendingDeletes;
        if (deletes != null) {
            drain(deletes);
            commitIfDue();
        }
    }

    private void drain(PendingDeletes deletes) throws IOException {
        for (String uid = deletes.poll(); uid != null; uid = deletes.poll()) {
            try {
                for (int number : snapshot.numbersOf(uid)) {
                    session.delete(number);
                }
                deletesSent.add(uid);
            } catch (Pop3Exception e) {
                // the mail stays delete-pending and is retried on the next poll
                LOG.warn("{}: DELE of {} refused: {}", config.mailboxKey(), uid, e.getMessage());
            }
        }
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
            try {
                requestDeleteIf(endpoint.lifecycle().succeeded(claim, headers.truncated()), uid());
            } catch (IOException | RuntimeException e) {
                LOG.error("{}: cannot record the completion of {} in the ledger; it may be delivered again",
                        config.mailboxKey(), uid(), e);
            } finally {
                raw.close();
            }
        }

        @Override
        public void onFailure(Exchange exchange) {
            try {
                String failure = failureText(exchange);
                Outcome outcome = endpoint.lifecycle().failed(claim, failure);
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

package dev.pop3x;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashSet;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;

import dev.pop3x.ledger.MailboxLedger;
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
import org.apache.camel.util.IOHelper;
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
    private MailboxLedger ledger;
    private MessageLifecycle lifecycle;
    private MailMapper mapper;
    private DeadLetterSender deadLetters;
    private boolean topRefusedLogged;
    private boolean headerDigestKeysLogged;
    private Duration loginDelay = Duration.ZERO;
    private long nextLoginAllowed;

    // state of the poll in progress; touched by the poll thread only, except pendingDeletes (thread-safe)
    private MailboxSession session;
    private MailboxSnapshot snapshot;
    private volatile PendingDeletes pendingDeletes;
    private final Set<String> deletesSent = new LinkedHashSet<>();

    public Pop3xConsumer(Pop3xEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        this.endpoint = endpoint;
        this.config = endpoint.getConfiguration();
    }

    @Override
    protected void doStart() throws Exception {
        ledger = endpoint.resolveLedger().open(config.mailboxKey());
        // a new owner id per start: claims of an earlier run are never mistaken for this run's
        lifecycle = new MessageLifecycle(ledger, endpoint.policySettings(), UUID.randomUUID().toString(), Clock.systemUTC());
        mapper = endpoint.createMapper(config.isMapMailMessage());
        if (config.getDeadLetterUri() != null) {
            deadLetters = new DeadLetterSender(getEndpoint().getCamelContext(), config.getDeadLetterUri(),
                    endpoint.createMapper(false));
        }
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception {
        super.doStop();
        IOHelper.close(deadLetters, ledger);
        deadLetters = null;
        ledger = null;
    }

    @Override
    protected int poll() throws Exception {
        shutdownRunningTask = null;
        pendingExchanges = 0;
        deletesSent.clear();
        if (System.currentTimeMillis() < nextLoginAllowed) {
            LOG.debug("{}: skipping this poll: the server asks for {} between logins", config.mailboxKey(), loginDelay);
            return 0;
        }
        try {
            openSession();
        } catch (MailboxUnavailableException e) {
            if ("LOGIN-DELAY".equals(e.code())) {
                nextLoginAllowed = System.currentTimeMillis() + loginDelay.toMillis();
            }
            throw e;
        }
        if (getExceptionHandler() instanceof PollFailureLog failures) {
            failures.pollSucceeded();
        }
        try {
            return pollOpenSession();
        } finally {
            pendingDeletes = null;
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
        session = endpoint.openSession();
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
        SpooledMessage raw;
        try {
            raw = download(mail, headersOnly);
        } catch (Exception e) {
            lifecycle.release(claim);
            throw e;
        }
        if (raw == null) {
            lifecycle.release(claim);
            return false;
        }
        DeliveryHeaders headers = new DeliveryHeaders(mail, claim.attempt(), claim.entry().firstSeen(), headersOnly);
        Exchange exchange;
        try {
            exchange = createExchange(true);
            headers.applyTo(exchange.getIn());
            mapper.map(raw, exchange.getIn());
            exchange.setProperty(ExchangePropertyKey.BATCH_INDEX, index);
            exchange.setProperty(ExchangePropertyKey.BATCH_SIZE, total);
            exchange.setProperty(ExchangePropertyKey.BATCH_COMPLETE, index == total - 1);
            exchange.getExchangeExtension().addOnCompletion(new MailCompletion(headers, raw));
        } catch (RuntimeException e) {
            // never reached the route: as if it had not been downloaded
            raw.close();
            lifecycle.release(claim);
            throw e;
        }
        try {
            getProcessor().process(exchange);
        } catch (Exception e) {
            exchange.setException(e);
        }
        if (exchange.getException() != null) {
            getExceptionHandler().handleException("Error processing mail " + mail.uid(), exchange, exchange.getException());
        }
        return true;
    }

    /** RETR, or TOP n 0 for a headers-only delivery; null when the server cannot give the header alone. */
    private SpooledMessage download(MailboxMessage mail, boolean headersOnly) throws IOException {
        if (!headersOnly) {
            return session.retrieve(mail.number(), config.getSpoolThreshold());
        }
        try {
            return session.retrieveHeader(mail.number(), config.getSpoolThreshold());
        } catch (Pop3Exception e) {
            // no TOP: downloading the whole mail is what maxMessageSize forbids, so it is skipped like oversizeAction=skip
            if (!topRefusedLogged) {
                LOG.warn("{}: the server refused TOP ({}); oversize mails are skipped instead of delivered as headers",
                        config.mailboxKey(), e.getMessage());
                topRefusedLogged = true;
            }
            return null;
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
        } catch (Exception e) {
            lifecycle.release(claim);
            throw e;
        }
        DeliveryHeaders headers = new DeliveryHeaders(mail, claim.entry().attempts(), claim.entry().firstSeen(), false);
        String refused = deadLetters.send(raw, headers, claim.entry().lastError());
        if (refused != null) {
            lifecycle.release(claim);
            LOG.warn("{}: dead letter endpoint refused poison mail {} again: {}", config.mailboxKey(), mail.uid(), refused);
        } else if (lifecycle.poisoned(mail.uid()) == Outcome.DELETE) {
            pendingDeletes.offer(mail.uid());
        }
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
    private void requestDelete(String uid) {
        PendingDeletes deletes = pendingDeletes;
        if (deletes == null || !deletes.offer(uid)) {
            LOG.debug("{}: {} completed after its session closed; deleted on the next poll", config.mailboxKey(), uid);
        }
    }

    /** Applies the policy when the Exchange's unit of work really ends, on whatever thread that is. */
    private final class MailCompletion implements Synchronization {
        private final DeliveryHeaders headers;
        private final SpooledMessage raw;

        MailCompletion(DeliveryHeaders headers, SpooledMessage raw) {
            this.headers = headers;
            this.raw = raw;
        }

        private String uid() {
            return headers.mail().uid();
        }

        @Override
        public void onComplete(Exchange exchange) {
            try {
                if (lifecycle.succeeded(uid(), headers.truncated()) == Outcome.DELETE) {
                    requestDelete(uid());
                }
            } catch (IOException e) {
                LOG.error("{}: cannot record the completion of {} in the ledger; it may be delivered again",
                        config.mailboxKey(), uid(), e);
            } finally {
                raw.close();
            }
        }

        @Override
        public void onFailure(Exchange exchange) {
            boolean rawHandedOver = false;
            try {
                String failure = failureText(exchange);
                Outcome outcome = lifecycle.failed(uid(), failure);
                if (outcome == Outcome.DEAD_LETTER) {
                    rawHandedOver = true;
                    String refused = deadLetters.send(raw, headers, failure);
                    if (refused != null) {
                        LOG.warn("{}: dead letter endpoint refused poison mail {}; retried on the next poll: {}",
                                config.mailboxKey(), uid(), refused);
                        return;
                    }
                    outcome = lifecycle.poisoned(uid());
                }
                if (outcome == Outcome.DELETE) {
                    requestDelete(uid());
                }
            } catch (IOException e) {
                LOG.error("{}: cannot record the failure of {} in the ledger", config.mailboxKey(), uid(), e);
            } finally {
                if (!rawHandedOver) {
                    raw.close();
                }
            }
        }
    }

    private static String failureText(Exchange exchange) {
        Exception e = exchange.getException() != null
                ? exchange.getException() : exchange.getProperty(ExchangePropertyKey.EXCEPTION_CAUGHT, Exception.class);
        return e == null ? "the route marked the Exchange as failed" : e.toString();
    }
}

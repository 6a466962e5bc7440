package dev.pop3x;

import java.io.IOException;
import java.time.Clock;
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
import dev.pop3x.protocol.Pop3Exception;
import dev.pop3x.session.MailboxMessage;
import dev.pop3x.session.MailboxSession;
import dev.pop3x.session.MailboxSnapshot;
import dev.pop3x.session.SpooledMessage;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.spi.Synchronization;
import org.apache.camel.support.ScheduledBatchPollingConsumer;
import org.apache.camel.util.IOHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One poll = one POP3 session: snapshot (UIDL + LIST), owed deletes, then each new mail downloaded, mapped and routed
 * one at a time (never the whole batch in memory), then QUIT. What happens to a mail after the route is decided by
 * {@link MessageLifecycle}; this class only carries it out on the session.
 */
public class Pop3xConsumer extends ScheduledBatchPollingConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(Pop3xConsumer.class);

    private final Pop3xEndpoint endpoint;
    private final Pop3xConfiguration config;
    private MailboxLedger ledger;
    private MessageLifecycle lifecycle;
    private MailMapper mapper;

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
        lifecycle = new MessageLifecycle(ledger, config.isDelete(), config.getClaimTimeout(), UUID.randomUUID().toString(),
                Clock.systemUTC());
        mapper = endpoint.createMapper();
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception {
        super.doStop();
        IOHelper.close(ledger);
        ledger = null;
    }

    @Override
    protected int poll() throws Exception {
        shutdownRunningTask = null;
        pendingExchanges = 0;
        deletesSent.clear();
        session = endpoint.openSession();
        try {
            snapshot = session.snapshot();
            PollPlan plan = lifecycle.plan(snapshot, getMaxMessagesPerPoll());
            PendingDeletes deletes = new PendingDeletes();
            plan.owedDeletes().forEach(deletes::offer);
            pendingDeletes = deletes;
            sendDeletes(deletes);
            int delivered = processBatch(new ArrayDeque<>(plan.candidates()));
            // completions arriving from now on are left to the next poll (they are delete-pending in the ledger)
            pendingDeletes = null;
            deletes.close();
            sendDeletes(deletes);
            finishSession();
            return delivered;
        } finally {
            pendingDeletes = null;
            session.close();
            session = null;
            snapshot = null;
        }
    }

    private void finishSession() throws IOException {
        if (session.quit()) {
            lifecycle.deleted(deletesSent);
        } else if (!deletesSent.isEmpty()) {
            LOG.warn("{}: the server did not confirm QUIT; {} deletes stay pending and are retried on the next poll",
                    config.mailboxKey(), deletesSent.size());
        }
    }

    @Override
    public int processBatch(Queue<Object> mails) throws Exception {
        int total = mails.size();
        int delivered = 0;
        for (int index = 0; index < total && isBatchAllowed(); index++) {
            MailboxMessage mail = (MailboxMessage) mails.poll();
            pendingExchanges = total - index - 1;
            if (deliver(mail, index, total)) {
                delivered++;
            }
            sendDeletes(pendingDeletes);
        }
        return delivered;
    }

    private boolean deliver(MailboxMessage mail, int index, int total) throws Exception {
        Claim claim = lifecycle.claim(mail.uid()).orElse(null);
        if (claim == null) {
            return false;
        }
        SpooledMessage raw;
        try {
            raw = session.retrieve(mail.number(), config.getSpoolThreshold());
        } catch (Exception e) {
            lifecycle.release(claim);
            throw e;
        }
        Exchange exchange;
        try {
            exchange = createExchange(true);
            Message in = exchange.getIn();
            in.setHeader(Pop3xConstants.UID, mail.uid());
            in.setHeader(Pop3xConstants.MESSAGE_NUMBER, mail.number());
            in.setHeader(Pop3xConstants.SIZE, mail.size());
            in.setHeader(Pop3xConstants.ATTEMPT, claim.attempt());
            in.setHeader(Pop3xConstants.FIRST_SEEN, claim.entry().firstSeen());
            mapper.map(raw, in);
            exchange.setProperty(ExchangePropertyKey.BATCH_INDEX, index);
            exchange.setProperty(ExchangePropertyKey.BATCH_SIZE, total);
            exchange.setProperty(ExchangePropertyKey.BATCH_COMPLETE, index == total - 1);
            exchange.getExchangeExtension().addOnCompletion(new MailCompletion(mail.uid(), raw));
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

    /** Sends the DELEs requested so far; poll thread only. */
    private void sendDeletes(PendingDeletes deletes) throws IOException {
        if (deletes == null) {
            return;
        }
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

    /** Applies the policy when the Exchange's unit of work really ends, on whatever thread that is. */
    private final class MailCompletion implements Synchronization {
        private final String uid;
        private final SpooledMessage raw;

        MailCompletion(String uid, SpooledMessage raw) {
            this.uid = uid;
            this.raw = raw;
        }

        @Override
        public void onComplete(Exchange exchange) {
            try {
                if (lifecycle.succeeded(uid) == Outcome.DELETE) {
                    PendingDeletes deletes = pendingDeletes;
                    if (deletes == null || !deletes.offer(uid)) {
                        LOG.debug("{}: {} completed after its session closed; deleted on the next poll", config.mailboxKey(), uid);
                    }
                }
            } catch (IOException e) {
                LOG.error("{}: cannot record the completion of {} in the ledger; it may be delivered again",
                        config.mailboxKey(), uid, e);
            } finally {
                raw.close();
            }
        }

        @Override
        public void onFailure(Exchange exchange) {
            try {
                lifecycle.failed(uid);
            } catch (IOException e) {
                LOG.error("{}: cannot record the failure of {} in the ledger", config.mailboxKey(), uid, e);
            } finally {
                raw.close();
            }
        }
    }
}

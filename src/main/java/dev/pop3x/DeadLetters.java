package dev.pop3x;

import java.util.List;
import java.util.function.Supplier;

import dev.pop3x.policy.Claim;
import dev.pop3x.policy.MessageLifecycle;
import dev.pop3x.policy.PollPlan.Delivery;
import dev.pop3x.protocol.Pop3Exception;
import dev.pop3x.session.MailboxMessage;
import dev.pop3x.session.MailboxSession;
import dev.pop3x.session.MessageRequest;
import dev.pop3x.session.SpooledMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Poison mails on their way to {@code deadLetterUri}: the one place that sends them, whether the route has just
 * failed on a mail for the last time or a dead letter is still owed from an earlier poll (the endpoint refused it, or
 * the JVM died first). What happens to the mail afterwards is the life cycle's decision.
 */
final class DeadLetters {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);

    private final Supplier<DeadLetterSender> sender;
    private final String mailbox;

    /** @param sender the endpoint's sender; null while it is stopped (or when no deadLetterUri is configured) */
    DeadLetters(Supplier<DeadLetterSender> sender, String mailbox) {
        this.sender = sender;
        this.mailbox = mailbox;
    }

    /**
     * Sends a poison mail to the dead letter endpoint.
     *
     * @return true when the endpoint took it (and with it {@code raw}, closed when its Exchange completes)
     */
    boolean send(SpooledMessage raw, DeliveryHeaders headers, String failure) {
        DeadLetterSender current = sender.get();
        String refused = current == null ? "the endpoint is stopped" : current.send(raw, headers, failure);
        if (refused != null) {
            LOG.warn("{}: dead letter endpoint refused poison mail {}; tried again on the next poll: {}", mailbox,
                    headers.mail().uid(), refused);
        }
        return refused == null;
    }

    /** Downloads and sends the dead letters owed from earlier polls, one at a time, before the poll delivers. */
    void sendOwed(Poll poll, MessageLifecycle lifecycle, List<Delivery> owed) throws Exception {
        for (Delivery delivery : owed) {
            Claim claim = lifecycle.claimDeadLetter(delivery).orElse(null);
            if (claim != null) {
                sendOwed(poll, lifecycle, claim);
            }
        }
    }

    private void sendOwed(Poll poll, MessageLifecycle lifecycle, Claim claim) throws Exception {
        MailboxMessage mail = claim.delivery().mail();
        SpooledMessage raw;
        try {
            MailboxSession session = poll.session();
            MessageRequest request = session.requestMessage(mail);
            session.flush();
            raw = session.readMessage(request);
        } catch (Pop3Exception e) {
            LOG.warn("{}: poison mail {} cannot be downloaded for the dead letter endpoint: {}", mailbox, mail.uid(),
                    e.getMessage());
            lifecycle.deadLetterUndeliverable(claim, new PolledMail(poll, this, null, null));
            return;
        } catch (Exception e) {
            lifecycle.release(claim);
            throw e;
        }
        DeliveryHeaders headers = new DeliveryHeaders(mail, claim.entry().attempts(), claim.entry().firstSeen(), false);
        try (PolledMail polled = new PolledMail(poll, this, raw, headers)) {
            lifecycle.sendOwedDeadLetter(claim, polled);
        }
    }
}

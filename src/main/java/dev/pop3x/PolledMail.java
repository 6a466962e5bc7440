package dev.pop3x;

import dev.pop3x.ledger.LedgerEntry;
import dev.pop3x.ledger.LedgerFencedException;
import dev.pop3x.policy.MailActions;
import dev.pop3x.session.SpooledMessage;

/**
 * One downloaded mail as the life cycle acts on it: DELEs go to the poll it came from, a dead letter carries its raw
 * message. Closing it closes the raw message, unless the dead letter endpoint took it over.
 */
final class PolledMail implements MailActions, AutoCloseable {

    private final Poll poll;
    private final DeadLetters deadLetters;
    private final SpooledMessage raw;
    private final DeliveryHeaders headers;
    private boolean handedOver;

    /** @param raw the message, or null when the server refused to hand it out (no dead letter can carry it) */
    PolledMail(Poll poll, DeadLetters deadLetters, SpooledMessage raw, DeliveryHeaders headers) {
        this.poll = poll;
        this.deadLetters = deadLetters;
        this.raw = raw;
        this.headers = headers;
    }

    @Override
    public boolean delete(String uid) {
        return poll.delete(uid);
    }

    @Override
    public boolean pollOpen() {
        return poll.isOpen();
    }

    @Override
    public boolean deadLetter(LedgerEntry entry, String failure) {
        if (raw == null) {
            return false; // the next poll downloads it again for its dead letter
        }
        handedOver = deadLetters.send(raw, headers, failure);
        return handedOver;
    }

    @Override
    public void close() {
        if (raw != null && !handedOver) {
            raw.close();
        }
    }

    /** The ledger refused this mail's completion: its poll stops routing. */
    void fenced(LedgerFencedException refusal) {
        poll.fenced(refusal);
    }
}

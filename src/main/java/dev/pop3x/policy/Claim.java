package dev.pop3x.policy;

import dev.pop3x.ledger.LedgerEntry;
import dev.pop3x.policy.PollPlan.Delivery;

/**
 * A mail held by this consumer: handed to the route, or on its way to the dead letter endpoint. Every later decision
 * about it is checked against this entry's version, so a completion that arrives after its claim expired and the
 * mail was taken again changes nothing.
 *
 * @param delivery what the poll downloads
 * @param entry    the ledger entry with the claim
 * @param previous what the ledger held before, null for a new mail
 */
public record Claim(Delivery delivery, LedgerEntry entry, LedgerEntry previous) {

    public String uid() {
        return entry.uid();
    }

    /** 1 on the first delivery. */
    public int attempt() {
        return entry.attempts() + 1;
    }

    /** Only the header is delivered: the mail is done after it, but its body was never seen, so it is kept. */
    public boolean headersOnly() {
        return delivery.headersOnly();
    }
}

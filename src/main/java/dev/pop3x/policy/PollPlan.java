package dev.pop3x.policy;

import java.util.List;

import dev.pop3x.ledger.LedgerEntry;
import dev.pop3x.session.MailboxMessage;

/**
 * What one poll will do, decided from the snapshot and the ledger before anything is downloaded.
 *
 * @param owedDeletes UIDLs to DELE: completed earlier but not confirmed by a QUIT yet, retention due, oversize
 * @param deadLetters poison mails whose dead letter is still owed (the endpoint failed, or the JVM died first)
 * @param deliveries  mails to download and hand to the route, oldest first
 */
public record PollPlan(List<String> owedDeletes, List<Delivery> deadLetters, List<Delivery> deliveries) {

    /**
     * One mail to download.
     *
     * @param mail        the mail as this session lists it
     * @param entry       its ledger entry as the plan read it (claims are checked against it); null for a new mail
     * @param headersOnly oversize with {@code oversizeAction=headers}: deliver {@code TOP n 0} only
     */
    public record Delivery(MailboxMessage mail, LedgerEntry entry, boolean headersOnly) {

        public String uid() {
            return mail.uid();
        }
    }
}

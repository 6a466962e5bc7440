package dev.pop3x.policy;

import dev.pop3x.ledger.LedgerEntry;

/**
 * What the life cycle asks of the consumer for one mail, once it has written its decision to the ledger. The
 * consumer implements it per delivered mail; the life cycle never learns about sessions, threads or endpoints.
 */
public interface MailActions {

    /**
     * DELE the mail in the poll it was delivered by.
     *
     * @return false when that poll has ended: the mail stays delete-pending and the next poll deletes it
     */
    boolean delete(String uid);

    /**
     * True while the poll the mail was delivered by is still open: that poll passes the ledger's durability barrier
     * before it tells the server anything or ends, so a write made now need not wait for the disk.
     */
    boolean pollOpen();

    /**
     * Hands a poison mail to the dead letter endpoint.
     *
     * @param  entry   the mail's ledger entry (attempts, first seen)
     * @param  failure why it is poison: the last failure's text
     * @return         true when the endpoint took it; false leaves the dead letter owed to the next poll
     */
    boolean deadLetter(LedgerEntry entry, String failure);
}

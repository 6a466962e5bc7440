package dev.pop3x.ledger;

import java.io.IOException;

/**
 * The store that remembers, per mailbox and per UIDL, what happened to each mail: the {@code ledger} endpoint option.
 * Implementations: {@link FileLedger} (the default), {@link InMemoryLedger} (tests, or when duplicates after a
 * restart are acceptable).
 */
public interface Ledger {

    /**
     * Opens the state of one mailbox.
     *
     * @param mailboxKey {@code user@host:port}
     */
    MailboxLedger open(String mailboxKey) throws IOException;
}

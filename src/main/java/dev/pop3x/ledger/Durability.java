package dev.pop3x.ledger;

/** When a write must be on stable storage. */
public enum Durability {
    /** Before {@link MailboxLedger#apply} returns. */
    NOW,
    /**
     * By the next {@link MailboxLedger#awaitDurable()}: the consumer writes a window's claims and completions this
     * way and passes the barrier once before it tells the server anything about them (the file ledger's group commit).
     */
    AT_BARRIER
}

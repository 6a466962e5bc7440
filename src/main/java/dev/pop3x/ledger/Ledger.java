package dev.pop3x.ledger;

import java.io.IOException;

import org.apache.camel.Service;

/**
 * The store that remembers, per mailbox and per UIDL, what happened to each mail: the {@code ledger} endpoint option.
 * A Camel {@link Service}: the endpoint starts it before its first poll (and stops it when it created it itself);
 * implementations that need the context implement {@link org.apache.camel.CamelContextAware}. Implementations:
 * {@link FileLedger} (the default), {@link JdbcLedger} (a PostgreSQL database shared by several nodes: the
 * {@code dataSource} option), {@link InMemoryLedger} (tests, or when duplicates after a restart are acceptable).
 */
public interface Ledger extends Service {

    /**
     * Opens the state of one mailbox for one consumer and takes the mailbox's fencing token: from then on, a writer
     * holding an older token is refused ({@link LedgerFencedException}).
     *
     * @param  mailboxKey           {@code user@host:port}: unique per mailbox, and stable across releases
     * @throws IllegalStateException the mailbox is held by another consumer and this store cannot take it over
     */
    MailboxLedger open(String mailboxKey) throws IOException;
}

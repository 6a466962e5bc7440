package dev.pop3x.ledger;

/** The ledger contract on the in-memory ledger. */
class InMemoryLedgerTest extends MailboxLedgerContract {

    private final InMemoryLedger ledger = new InMemoryLedger();

    @Override
    protected Ledger ledger() {
        return ledger;
    }
}

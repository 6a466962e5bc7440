package dev.pop3x.policy;

import java.nio.file.Path;

import dev.pop3x.ledger.InMemoryLedger;
import dev.pop3x.ledger.Ledger;

/** The life cycle's decisions on the in-memory ledger. */
class InMemoryLedgerLifecycleTest extends MessageLifecycleContract {

    @Override
    protected Ledger newLedger(Path directory) {
        return new InMemoryLedger();
    }
}

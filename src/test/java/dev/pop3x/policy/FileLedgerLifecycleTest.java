package dev.pop3x.policy;

import java.nio.file.Path;

import dev.pop3x.ledger.FileLedger;
import dev.pop3x.ledger.Ledger;

/** The life cycle's decisions on the file ledger. */
class FileLedgerLifecycleTest extends MessageLifecycleContract {

    @Override
    protected Ledger newLedger(Path directory) {
        return new FileLedger(directory);
    }
}

package dev.pop3x.ledger;

import java.io.IOException;

/**
 * A write through a mailbox ledger whose fencing token is no longer valid: another consumer took the mailbox over
 * (a newer leadership epoch), or the ledger was closed. Nothing of that write was applied.
 */
public class LedgerFencedException extends IOException {

    public LedgerFencedException(String message) {
        super(message);
    }
}

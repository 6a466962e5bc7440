package dev.pop3x;

import java.io.IOException;

/**
 * A consumer without {@code clustered=true} found its mailbox's ledger held by another consumer (a newer fencing
 * epoch: another node, or another route, opened it since). It sent no DELE and polls no more until its route is
 * restarted, which opens the ledger again and takes the mailbox back. The last failure of that consumer: its
 * exception handler and its health check get it once.
 */
final class ConsumerDeposedException extends IOException {

    /** The ledger's refusal is the cause only: its message names the mailbox by its user, a secret option. */
    ConsumerDeposedException(Throwable fenced) {
        super("another consumer opened this mailbox's ledger with a newer fencing epoch, so this one sent no DELE and"
              + " stopped polling it. Consumers on several nodes (or routes) that share a mailbox need clustered=true;"
              + " restart this route to take the mailbox back", fenced);
    }
}

package dev.pop3x;

import java.io.IOException;

/**
 * A clustered consumer found that it no longer leads its mailbox: the poll stops where it is, without DELE or QUIT.
 * An IOException so that it leaves a poll the way a broken connection does, releasing the mails it claimed.
 */
final class LeadershipLostException extends IOException {

    LeadershipLostException(String mailbox) {
        super(mailbox + ": this node is no longer the leader of the mailbox");
    }

    /** The ledger refused this consumer's writes: another consumer opened the mailbox since. */
    LeadershipLostException(String mailbox, Exception fenced) {
        super(mailbox + ": another consumer holds the mailbox now (" + fenced.getMessage() + ")", fenced);
    }
}

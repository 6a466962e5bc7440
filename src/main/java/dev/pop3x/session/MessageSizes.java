package dev.pop3x.session;

import java.io.IOException;
import java.util.List;

/**
 * Where a poll's plan gets the sizes of the mails it may retrieve: the snapshot holds the UIDL only, so that a poll of
 * a mailbox the ledger knows costs one UIDL and nothing per mail.
 */
@FunctionalInterface
public interface MessageSizes {

    /**
     * @param  mails       messages of {@code snapshot} whose size the plan needs (new mails, retries, dead letters)
     * @return             the snapshot with their sizes filled in; -1 stays where the server would not tell
     * @throws IOException the connection failed
     */
    MailboxSnapshot sized(MailboxSnapshot snapshot, List<MailboxMessage> mails) throws IOException;
}

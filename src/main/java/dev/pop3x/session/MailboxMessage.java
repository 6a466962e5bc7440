package dev.pop3x.session;

/**
 * One message as the session's UIDL (and, where asked for, LIST) shows it.
 *
 * @param number the message number, valid in this session only
 * @param uid    the UIDL, stable across sessions
 * @param size   the LIST size in octets: approximate (RFC 1939 §11: servers may count line ends differently); -1 when
 *               not asked for (a poll asks only for the mails it may retrieve) or when the server would not tell
 */
public record MailboxMessage(int number, String uid, long size) {

    /** The same mail under its number in another session (a commitEvery reconnect): its UIDL keeps its size. */
    public MailboxMessage renumbered(int newNumber) {
        return new MailboxMessage(newNumber, uid, size);
    }
}

package dev.pop3x.session;

/**
 * One message as the session's UIDL and LIST show it.
 *
 * @param number the message number, valid in this session only
 * @param uid    the UIDL, stable across sessions
 * @param size   the LIST size in octets: approximate (RFC 1939 §11: servers may count line ends differently)
 */
public record MailboxMessage(int number, String uid, long size) {
}

package dev.pop3x.protocol;

/** One line of a UIDL answer: the session's message number and the server's persistent unique id. */
public record UidlEntry(int messageNumber, String uid) {
}

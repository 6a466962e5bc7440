package dev.pop3x.protocol;

/** One line of a LIST answer. The size is approximate: servers differ by a few octets, never read by it. */
public record ListEntry(int messageNumber, long size) {
}

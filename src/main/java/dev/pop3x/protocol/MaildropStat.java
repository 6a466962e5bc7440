package dev.pop3x.protocol;

/** The STAT answer: how many messages the maildrop holds and their total size in octets. */
public record MaildropStat(int messageCount, long size) {
}

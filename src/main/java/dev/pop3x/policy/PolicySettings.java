package dev.pop3x.policy;

/**
 * The endpoint options that decide what happens to a mail, in one value (see the option descriptions in
 * {@code Pop3xConfiguration}).
 *
 * @param delete             delete after a successful completion
 * @param deleteAfterMillis  retention after the first successful completion; 0 = keep forever
 * @param maxAttempts        failures before a mail is poison; 0 = retry forever
 * @param poisonAction       what happens to a poison mail
 * @param deadLetter         whether a dead letter endpoint receives poison mails first
 * @param maxMessageSize     LIST size above which a mail is oversize; 0 = no limit
 * @param oversizeAction     what happens to an oversize mail
 * @param maxMessagesPerPoll deliveries per poll; 0 = no limit
 * @param maxBytesPerPoll    LIST bytes per poll (at least one mail); 0 = no limit
 * @param claimTimeoutMillis age after which an in-flight claim expires
 */
public record PolicySettings(
        boolean delete, long deleteAfterMillis, int maxAttempts, PoisonAction poisonAction, boolean deadLetter,
        long maxMessageSize, OversizeAction oversizeAction, int maxMessagesPerPoll, long maxBytesPerPoll,
        long claimTimeoutMillis) {

    /** The defaults of the endpoint, with the given delete mode. */
    public static PolicySettings defaults(boolean delete) {
        return new PolicySettings(delete, 0, 3, PoisonAction.KEEP, false, 0, OversizeAction.SKIP, 0, 0, 30 * 60_000L);
    }
}

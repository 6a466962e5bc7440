package dev.pop3x.policy;

/** What happens to a mail that failed {@code maxAttempts} times. */
public enum PoisonAction {
    /** Leave it on the server; never deliver it again. */
    KEEP,
    /** Delete it from the server. */
    DELETE
}

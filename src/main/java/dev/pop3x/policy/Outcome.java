package dev.pop3x.policy;

/** What the consumer must do on the server once the policy has decided about a completed mail. */
public enum Outcome {
    /** DELE the mail (now if the session is still open, else on the next poll: it is recorded as delete-pending). */
    DELETE,
    /** Leave it on the server; it will not be delivered again. */
    KEEP,
    /** Leave it on the server; it will be delivered again on a later poll. */
    RETRY,
    /** It is poison: send it to the dead letter endpoint, then report back with {@link MessageLifecycle#poisoned}. */
    DEAD_LETTER
}

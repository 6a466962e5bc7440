package dev.pop3x.ledger;

/** Where one mail (one UIDL) stands in its life cycle; drawn in docs/delivery-guarantees.md. */
public enum MessageState {
    /** Handed to the route (or about to be); a claim owner and time are recorded. */
    IN_FLIGHT,
    /** Completed successfully and kept on the server: never delivered again. */
    DONE,
    /** The route failed (or the delivery was interrupted): delivered again on a later poll. */
    FAILED,
    /**
     * Failed {@code maxAttempts} times, and the dead letter endpoint has not taken it yet: the next poll sends it
     * there (while that is going on the entry carries a claim). Never delivered to the route again.
     */
    DEAD_LETTER_OWED,
    /** Failed too often (and dead-lettered, if an endpoint is configured): never delivered again. */
    POISON,
    /** Completed and to be deleted; stays so until a QUIT has confirmed the DELE. Never delivered again. */
    DELETE_PENDING
}

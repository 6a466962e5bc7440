package dev.pop3x.ledger;

/** Where one mail (one UIDL) stands in its life cycle; see docs/delivery-guarantees. */
public enum MessageState {
    /** Handed to the route (or about to be); a claim owner and time are recorded. */
    IN_FLIGHT,
    /** Completed successfully and kept on the server: never delivered again. */
    DONE,
    /** The route failed (or the delivery was interrupted): delivered again on a later poll. */
    FAILED,
    /** Failed too often: never delivered again. */
    POISON,
    /** Completed and to be deleted; stays so until a QUIT has confirmed the DELE. Never delivered again. */
    DELETE_PENDING
}

package dev.pop3x.ledger;

import java.util.Objects;

/**
 * What the ledger knows about one mail, keyed by its UIDL.
 *
 * @param uid         the server's unique id (UIDL)
 * @param state       where the mail stands
 * @param attempts    how many times the route failed on it
 * @param firstSeen   epoch millis when the consumer first claimed it
 * @param completedAt epoch millis of the first successful completion, 0 if none
 * @param claimOwner  who holds the in-flight claim, null unless {@link MessageState#IN_FLIGHT}
 * @param claimedAt   epoch millis of the claim, 0 unless in flight
 * @param lastError   one line about the last failure, null if none (goes to the dead letter endpoint)
 */
public record LedgerEntry(
        String uid, MessageState state, int attempts, long firstSeen, long completedAt, String claimOwner,
        long claimedAt, String lastError) {

    private static final int MAX_ERROR_LENGTH = 500;

    public LedgerEntry {
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(state, "state");
    }

    /** A claim on a mail the ledger did not know yet. */
    public static LedgerEntry claimedFirst(String uid, String owner, long now) {
        return new LedgerEntry(uid, MessageState.IN_FLIGHT, 0, now, 0, owner, now, null);
    }

    public LedgerEntry claimed(String owner, long now) {
        return new LedgerEntry(uid, MessageState.IN_FLIGHT, attempts, firstSeen, completedAt, owner, now, lastError);
    }

    public LedgerEntry withState(MessageState newState) {
        return new LedgerEntry(uid, newState, attempts, firstSeen, completedAt, null, 0, lastError);
    }

    public LedgerEntry completed(MessageState newState, long now) {
        return new LedgerEntry(uid, newState, attempts, firstSeen, completedAt == 0 ? now : completedAt, null, 0, lastError);
    }

    public LedgerEntry failed(String error) {
        return new LedgerEntry(uid, MessageState.FAILED, attempts + 1, firstSeen, completedAt, null, 0, oneLine(error));
    }

    /** Released by an operator for another round of attempts: failed, with no attempt counted yet. */
    public LedgerEntry retried() {
        return new LedgerEntry(uid, MessageState.FAILED, 0, firstSeen, completedAt, null, 0, lastError);
    }

    /** Failure texts are stored on one line, bounded: the ledger is line-based and must stay small. */
    static String oneLine(String text) {
        if (text == null) {
            return null;
        }
        String line = text.replaceAll("[\\t\\r\\n]+", " ").strip();
        return line.length() > MAX_ERROR_LENGTH ? line.substring(0, MAX_ERROR_LENGTH) : line;
    }
}

package dev.pop3x.ledger;

import java.util.Objects;

/**
 * What the ledger knows about one mail, keyed by its UIDL. Immutable: every change makes a new entry one
 * {@link #version} higher, which is what {@link Transition}s are checked against.
 *
 * @param uid         the server's unique id (UIDL)
 * @param state       where the mail stands
 * @param attempts    how many times the route failed on it
 * @param firstSeen   epoch millis when the consumer first claimed it
 * @param completedAt epoch millis of the first successful completion, 0 if none
 * @param claimOwner  who holds the claim (in flight, or sending its dead letter), null if nobody
 * @param claimedAt   epoch millis of the claim, 0 if nobody holds it
 * @param lastError   one line about the last failure, null if none (goes to the dead letter endpoint)
 * @param version     1 for a new entry, one more with every change
 */
public record LedgerEntry(
        String uid, MessageState state, int attempts, long firstSeen, long completedAt, String claimOwner,
        long claimedAt, String lastError, long version) {

    private static final int MAX_ERROR_LENGTH = 500;

    public LedgerEntry {
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(state, "state");
        if (version < 1) {
            throw new IllegalArgumentException("version must be 1 or more, was " + version);
        }
    }

    /** A claim on a mail the ledger did not know yet. */
    public static LedgerEntry claimedFirst(String uid, String owner, long now) {
        return new LedgerEntry(uid, MessageState.IN_FLIGHT, 0, now, 0, owner, now, null, 1);
    }

    /** Handed to the route: in flight, held by {@code owner}. */
    public LedgerEntry claimed(String owner, long now) {
        return new LedgerEntry(uid, MessageState.IN_FLIGHT, attempts, firstSeen, completedAt, owner, now, lastError,
                version + 1);
    }

    /** Held by {@code owner} in the same state (a dead letter being sent). */
    public LedgerEntry heldBy(String owner, long now) {
        return new LedgerEntry(uid, state, attempts, firstSeen, completedAt, owner, now, lastError, version + 1);
    }

    /** In {@code newState}, held by nobody. */
    public LedgerEntry withState(MessageState newState) {
        return new LedgerEntry(uid, newState, attempts, firstSeen, completedAt, null, 0, lastError, version + 1);
    }

    /** What the ledger held before a claim, as the next version (a released claim must not look like the old entry). */
    public LedgerEntry restoredFrom(LedgerEntry before) {
        return new LedgerEntry(uid, before.state, before.attempts, before.firstSeen, before.completedAt,
                before.claimOwner, before.claimedAt, before.lastError, version + 1);
    }

    public LedgerEntry completed(MessageState newState, long now) {
        return new LedgerEntry(uid, newState, attempts, firstSeen, completedAt == 0 ? now : completedAt, null, 0,
                lastError, version + 1);
    }

    public LedgerEntry failed(String error) {
        return new LedgerEntry(uid, MessageState.FAILED, attempts + 1, firstSeen, completedAt, null, 0, oneLine(error),
                version + 1);
    }

    /** Released by an operator for another round of attempts: failed, with no attempt counted yet. */
    public LedgerEntry retried() {
        return new LedgerEntry(uid, MessageState.FAILED, 0, firstSeen, completedAt, null, 0, lastError, version + 1);
    }

    /** Failure texts are stored on one line, bounded: the ledger must stay small. */
    static String oneLine(String text) {
        if (text == null) {
            return null;
        }
        String line = text.replaceAll("[\\t\\r\\n]+", " ").strip();
        return line.length() > MAX_ERROR_LENGTH ? line.substring(0, MAX_ERROR_LENGTH) : line;
    }
}

package dev.pop3x.ledger;

/**
 * One change of one mail's entry, computed from the entry as it was read. It applies only while the stored entry is
 * still that whole entry, not just one of the same version: a mail forgotten (pruned, or deleted) and claimed again
 * starts over at version 1, and a late change computed from the old entry must not land on the new one. A store that
 * cannot compare whole entries must compare at least {@link LedgerEntry#version()}, {@link LedgerEntry#claimOwner()}
 * and {@link LedgerEntry#claimedAt()}.
 *
 * @param from the entry the change was computed from; null: the ledger must not know the mail yet
 * @param to   the new entry, with a version one above {@code from}'s; null: forget the mail
 */
public record Transition(LedgerEntry from, LedgerEntry to) {

    public Transition {
        if (from == null && to == null) {
            throw new IllegalArgumentException("a transition needs an entry on at least one side");
        }
        if (from != null && to != null && !from.uid().equals(to.uid())) {
            throw new IllegalArgumentException(
                    "a transition cannot change the UIDL: " + from.uid() + " -> " + to.uid());
        }
    }

    public String uid() {
        return from != null ? from.uid() : to.uid();
    }

    /** The version the stored entry must have for this transition to apply; 0: there must be none. */
    public long expectedVersion() {
        return from == null ? 0 : from.version();
    }

    /** True when the stored entry (null if none) is the one this transition was computed from. */
    public boolean appliesTo(LedgerEntry stored) {
        // identity first: the stored entry is usually the very object the change was computed from
        return stored == null ? from == null : stored == from || stored.equals(from);
    }

    @Override
    public String toString() {
        return uid() + ": " + (from == null ? "-" : from.state() + "@" + from.version()) + " -> "
               + (to == null ? "-" : to.state() + "@" + to.version());
    }
}

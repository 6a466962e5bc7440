package dev.pop3x.policy;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.pop3x.ledger.LedgerEntry;
import dev.pop3x.ledger.MailboxLedger;
import dev.pop3x.ledger.MessageState;
import dev.pop3x.session.MailboxMessage;
import dev.pop3x.session.MailboxSnapshot;

/**
 * The one place that decides what happens to a mail: whether a poll delivers it, and what its completion does to it
 * on the server. Every decision is written to the ledger before the consumer acts on it, so a crash at any point
 * leaves a state the next poll can finish (see docs/delivery-guarantees.md).
 */
public final class MessageLifecycle {

    private final MailboxLedger ledger;
    private final boolean delete;
    private final long claimTimeoutMillis;
    private final String owner;
    private final Clock clock;

    public MessageLifecycle(MailboxLedger ledger, boolean delete, long claimTimeoutMillis, String owner, Clock clock) {
        this.ledger = ledger;
        this.delete = delete;
        this.claimTimeoutMillis = claimTimeoutMillis;
        this.owner = owner;
        this.clock = clock;
    }

    /**
     * Decides a poll: forgets mails no longer on the server, lists deletes still owed and the mails to deliver.
     *
     * @param maxMessages 0 = no limit
     */
    public PollPlan plan(MailboxSnapshot snapshot, int maxMessages) throws IOException {
        ledger.retainOnly(snapshot.uids());
        Map<String, LedgerEntry> known = ledger.entries();
        long now = clock.millis();
        List<String> owedDeletes = new ArrayList<>();
        List<MailboxMessage> candidates = new ArrayList<>();
        for (MailboxMessage mail : snapshot.distinctMails()) {
            LedgerEntry entry = known.get(mail.uid());
            if (entry != null && entry.state() == MessageState.DELETE_PENDING) {
                owedDeletes.add(mail.uid());
            } else if (isDeliverable(entry, now) && (maxMessages <= 0 || candidates.size() < maxMessages)) {
                candidates.add(mail);
            }
        }
        return new PollPlan(owedDeletes, candidates);
    }

    private boolean isDeliverable(LedgerEntry entry, long now) {
        if (entry == null) {
            return true;
        }
        return switch (entry.state()) {
            case FAILED -> true;
            case IN_FLIGHT -> now - entry.claimedAt() > claimTimeoutMillis; // a stuck or dead owner's claim expires
            case DONE, POISON, DELETE_PENDING -> false;
        };
    }

    /**
     * Claims a mail for delivery, atomically: a mail someone else holds (or that completed meanwhile) is not claimed.
     *
     * @return the claim, to pass back to {@link #release} if the download fails
     */
    public Optional<Claim> claim(String uid) throws IOException {
        long now = clock.millis();
        LedgerEntry[] before = new LedgerEntry[1];
        LedgerEntry after = ledger.update(uid, current -> {
            before[0] = current;
            if (current == null) {
                return LedgerEntry.claimedFirst(uid, owner, now);
            }
            return isDeliverable(current, now) ? current.claimed(owner, now) : current;
        });
        boolean claimed = after != null && after != before[0]; // unchanged = not deliverable any more
        return claimed ? Optional.of(new Claim(after, before[0])) : Optional.empty();
    }

    /** The mail never reached the route (download failed): put the ledger back as it was before the claim. */
    public void release(Claim claim) throws IOException {
        ledger.update(claim.entry().uid(), current -> claim.previous());
    }

    /** The route completed the Exchange successfully. */
    public Outcome succeeded(String uid) throws IOException {
        long now = clock.millis();
        MessageState next = delete ? MessageState.DELETE_PENDING : MessageState.DONE;
        ledger.update(uid, current -> current == null ? null : current.completed(next, now));
        return delete ? Outcome.DELETE : Outcome.KEEP;
    }

    /** The route failed on the Exchange: the mail stays and is delivered again on a later poll. */
    public Outcome failed(String uid) throws IOException {
        ledger.update(uid, current -> current == null ? null : current.failed());
        return Outcome.RETRY;
    }

    /** A QUIT confirmed these DELEs: the mails are gone from the server, and from the ledger. */
    public void deleted(Collection<String> uids) throws IOException {
        for (String uid : uids) {
            ledger.update(uid, current -> null);
        }
    }

    /**
     * A mail handed to the route.
     *
     * @param entry    the ledger entry with the claim
     * @param previous what the ledger held before, null for a new mail
     */
    public record Claim(LedgerEntry entry, LedgerEntry previous) {

        /** 1 on the first delivery. */
        public int attempt() {
            return entry.attempts() + 1;
        }
    }
}

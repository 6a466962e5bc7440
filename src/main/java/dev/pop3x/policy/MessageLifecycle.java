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
import dev.pop3x.policy.PollPlan.Delivery;
import dev.pop3x.session.MailboxMessage;
import dev.pop3x.session.MailboxSnapshot;

/**
 * The one place that decides what happens to a mail: whether a poll delivers it, and what its completion does to it
 * on the server (delete, keep, retry, dead letter, poison, retention, size). Every decision is written to the ledger
 * before the consumer acts on it, so a crash at any point leaves a state the next poll can finish. The life cycle is
 * drawn in docs/delivery-guarantees.md.
 */
public final class MessageLifecycle {

    private final MailboxLedger ledger;
    private final PolicySettings settings;
    private final String owner;
    private final Clock clock;

    public MessageLifecycle(MailboxLedger ledger, PolicySettings settings, String owner, Clock clock) {
        this.ledger = ledger;
        this.settings = settings;
        this.owner = owner;
        this.clock = clock;
    }

    /** Decides a poll: forgets mails no longer on the server, then sorts every mail into what this poll does with it. */
    public PollPlan plan(MailboxSnapshot snapshot) throws IOException {
        ledger.retainOnly(snapshot.uids());
        Map<String, LedgerEntry> known = ledger.entries();
        long now = clock.millis();
        List<String> owedDeletes = new ArrayList<>();
        List<MailboxMessage> deadLetters = new ArrayList<>();
        List<Delivery> deliveries = new ArrayList<>();
        long bytes = 0;
        for (MailboxMessage mail : snapshot.distinctMails()) {
            LedgerEntry entry = known.get(mail.uid());
            if (entry != null && !isDeliverable(entry, now)) {
                switch (owedAction(entry, now)) {
                    case DELETE -> owedDeletes.add(mail.uid());
                    case DEAD_LETTER -> deadLetters.add(mail);
                    default -> { } // done, poison or in flight elsewhere: nothing to do
                }
                continue;
            }
            boolean oversize = settings.maxMessageSize() > 0 && mail.size() > settings.maxMessageSize();
            if (oversize && settings.oversizeAction() == OversizeAction.SKIP) {
                continue;
            }
            if (oversize && settings.oversizeAction() == OversizeAction.DELETE) {
                owedDeletes.add(mail.uid());
                continue;
            }
            if (capReached(deliveries.size(), bytes)) {
                continue; // later mails may still owe a delete; keep looking
            }
            deliveries.add(new Delivery(mail, oversize));
            bytes += oversize ? 0 : Math.max(mail.size(), 0);
        }
        return new PollPlan(owedDeletes, deadLetters, deliveries);
    }

    private boolean capReached(int count, long bytes) {
        return settings.maxMessagesPerPoll() > 0 && count >= settings.maxMessagesPerPoll()
               || settings.maxBytesPerPoll() > 0 && bytes >= settings.maxBytesPerPoll();
    }

    /** For a mail the route should not get: does this poll owe it a delete or a dead letter? */
    private Outcome owedAction(LedgerEntry entry, long now) throws IOException {
        return switch (entry.state()) {
            case DELETE_PENDING -> Outcome.DELETE;
            case DONE -> retentionDue(entry, now) ? Outcome.DELETE : Outcome.KEEP;
            case FAILED -> settings.deadLetter() ? Outcome.DEAD_LETTER : poisoned(entry.uid()); // poison, still owed
            case POISON, IN_FLIGHT -> Outcome.KEEP;
        };
    }

    private boolean retentionDue(LedgerEntry entry, long now) {
        return settings.deleteAfterMillis() > 0 && entry.completedAt() > 0
               && now - entry.completedAt() >= settings.deleteAfterMillis();
    }

    private boolean isDeliverable(LedgerEntry entry, long now) {
        return switch (entry.state()) {
            case FAILED -> !isPoison(entry);
            case IN_FLIGHT -> now - entry.claimedAt() > settings.claimTimeoutMillis(); // a stuck or dead owner's claim expires
            case DONE, POISON, DELETE_PENDING -> false;
        };
    }

    private boolean isPoison(LedgerEntry entry) {
        return settings.maxAttempts() > 0 && entry.attempts() >= settings.maxAttempts();
    }

    /**
     * Claims a mail, atomically: a mail someone else holds (or that completed meanwhile) is not claimed.
     *
     * @param  forDeadLetter claim a poison mail whose dead letter is owed (else only deliverable mails are claimed)
     * @return               the claim, to pass back to {@link #release} if the download fails
     */
    public Optional<Claim> claim(String uid, boolean forDeadLetter) throws IOException {
        long now = clock.millis();
        LedgerEntry[] before = new LedgerEntry[1];
        LedgerEntry after = ledger.update(uid, current -> {
            before[0] = current;
            if (current == null) {
                return forDeadLetter ? null : LedgerEntry.claimedFirst(uid, owner, now);
            }
            boolean claimable = forDeadLetter
                    ? current.state() == MessageState.FAILED && isPoison(current)
                    : isDeliverable(current, now);
            return claimable ? current.claimed(owner, now) : current;
        });
        boolean claimed = after != null && after != before[0]; // unchanged = not claimable any more
        return claimed ? Optional.of(new Claim(after, before[0])) : Optional.empty();
    }

    /** The mail never reached the route (download or dead letter failed): the ledger goes back to before the claim. */
    public void release(Claim claim) throws IOException {
        ledger.update(claim.entry().uid(), current -> claim.previous());
    }

    /**
     * The route completed the Exchange successfully.
     *
     * @param truncated only the header was delivered: the mail is done, but its body was never seen, so it is kept
     */
    public Outcome succeeded(String uid, boolean truncated) throws IOException {
        boolean delete = settings.delete() && !truncated;
        MessageState next = delete ? MessageState.DELETE_PENDING : MessageState.DONE;
        long now = clock.millis();
        ledger.update(uid, current -> current == null ? null : current.completed(next, now));
        return delete ? Outcome.DELETE : Outcome.KEEP;
    }

    /** The route failed on the Exchange: one more attempt counted; at {@code maxAttempts} the mail is poison. */
    public Outcome failed(String uid, String error) throws IOException {
        LedgerEntry entry = ledger.update(uid, current -> current == null ? null : current.failed(error));
        if (entry == null || !isPoison(entry)) {
            return Outcome.RETRY;
        }
        return settings.deadLetter() ? Outcome.DEAD_LETTER : poisoned(uid);
    }

    /** A poison mail's dead letter was delivered (or none is configured): apply {@code poisonAction}. */
    public Outcome poisoned(String uid) throws IOException {
        boolean delete = settings.poisonAction() == PoisonAction.DELETE;
        ledger.update(uid, current -> current == null ? null
                : current.withState(delete ? MessageState.DELETE_PENDING : MessageState.POISON));
        return delete ? Outcome.DELETE : Outcome.KEEP;
    }

    /** A QUIT confirmed these DELEs: the mails are gone from the server, and from the ledger. */
    public void deleted(Collection<String> uids) throws IOException {
        for (String uid : uids) {
            ledger.update(uid, current -> null);
        }
    }

    /**
     * A mail handed to the route (or to the dead letter endpoint).
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

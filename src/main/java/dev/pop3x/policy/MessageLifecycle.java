package dev.pop3x.policy;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
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

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MessageLifecycle.class);

    private final MailboxLedger ledger;
    private final PolicySettings settings;
    private final String owner;
    private final Clock clock;
    private final MailboxStatistics statistics;

    public MessageLifecycle(MailboxLedger ledger, PolicySettings settings, String owner, Clock clock) {
        this(ledger, settings, owner, clock, new MailboxStatistics());
    }

    /** @param statistics counts what this lifecycle decides (kept by the endpoint across restarts) */
    public MessageLifecycle(MailboxLedger ledger, PolicySettings settings, String owner, Clock clock,
                            MailboxStatistics statistics) {
        this.ledger = ledger;
        this.settings = settings;
        this.owner = owner;
        this.clock = clock;
        this.statistics = statistics;
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
        if (isAvailable(entry, now) && isPoison(entry)) {
            // poison whose dead letter did not go out (endpoint down, JVM died, maxAttempts lowered)
            return settings.deadLetter() ? Outcome.DEAD_LETTER : poisoned(entry.uid());
        }
        return switch (entry.state()) {
            case DELETE_PENDING -> Outcome.DELETE;
            case DONE -> retentionDue(entry, now) ? Outcome.DELETE : Outcome.KEEP;
            case FAILED, POISON, IN_FLIGHT -> Outcome.KEEP;
        };
    }

    private boolean retentionDue(LedgerEntry entry, long now) {
        return settings.deleteAfterMillis() > 0 && entry.completedAt() > 0
               && now - entry.completedAt() >= settings.deleteAfterMillis();
    }

    /** Nobody holds the mail and it is not finished: after a failure, or a claim that expired. */
    private boolean isAvailable(LedgerEntry entry, long now) {
        return entry.state() == MessageState.FAILED
               || entry.state() == MessageState.IN_FLIGHT && now - entry.claimedAt() > settings.claimTimeoutMillis();
    }

    private boolean isDeliverable(LedgerEntry entry, long now) {
        return isAvailable(entry, now) && !isPoison(entry);
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
                    ? isAvailable(current, now) && isPoison(current)
                    : isDeliverable(current, now);
            return claimable ? current.claimed(owner, now) : current;
        });
        boolean claimed = after != null && after != before[0]; // unchanged = not claimable any more
        return claimed ? Optional.of(new Claim(after, before[0])) : Optional.empty();
    }

    /**
     * Claims several mails at once (a pipelining window), with one ledger write, durable with the next {@link #sync()}:
     * a RETR changes nothing on the server, and a claim lost with the machine only means that the mail comes again,
     * as a claim released at the restart would.
     *
     * @return the claims that succeeded, in the order asked
     */
    public List<Claim> claimAll(List<String> uids) throws IOException {
        long now = clock.millis();
        Map<String, LedgerEntry> before = new java.util.HashMap<>();
        Map<String, LedgerEntry> after = ledger.updateAllDeferred(uids, (uid, current) -> {
            before.put(uid, current);
            if (current == null) {
                return LedgerEntry.claimedFirst(uid, owner, now);
            }
            return isDeliverable(current, now) ? current.claimed(owner, now) : current;
        });
        List<Claim> claims = new ArrayList<>();
        for (String uid : uids) {
            LedgerEntry entry = after.get(uid);
            if (entry != null && entry != before.get(uid)) {
                claims.add(new Claim(entry, before.get(uid)));
            }
        }
        return claims;
    }

    /** The mail never reached the route (download or mapping failed): the ledger goes back to before the claim. */
    public void release(Claim claim) throws IOException {
        ledger.update(claim.entry().uid(), current -> isHeld(current, claim) ? claim.previous() : current);
    }

    /**
     * The route completed the Exchange successfully.
     *
     * @param truncated only the header was delivered: the mail is done, but its body was never seen, so it is kept
     * @param deferSync the poll in progress will {@link #sync()} before it tells the server anything about this mail
     */
    public Outcome succeeded(Claim claim, boolean truncated, boolean deferSync) throws IOException {
        boolean delete = settings.delete() && !truncated;
        MessageState next = delete ? MessageState.DELETE_PENDING : MessageState.DONE;
        long now = clock.millis();
        if (!changeIfHeld(claim, current -> current.completed(next, now), deferSync)) {
            return Outcome.KEEP;
        }
        statistics.addCompleted();
        return delete ? Outcome.DELETE : Outcome.KEEP;
    }

    /**
     * The route failed on the Exchange (or the server refused to hand the mail out): one more attempt counted. At
     * {@code maxAttempts} the mail is poison: with a dead letter endpoint it stays claimed for the dead letter, so
     * that no poll sends it a second time meanwhile.
     */
    public Outcome failed(Claim claim, String error, boolean deferSync) throws IOException {
        boolean[] poison = new boolean[1];
        long now = clock.millis();
        boolean held = changeIfHeld(claim, current -> {
            LedgerEntry failed = current.failed(error);
            poison[0] = isPoison(failed);
            return poison[0] && settings.deadLetter() ? failed.claimed(owner, now) : failed;
        }, deferSync && !(settings.deadLetter() && wouldBePoison(claim)));
        if (held) {
            statistics.addFailed();
        }
        if (!held || !poison[0]) {
            return Outcome.RETRY;
        }
        return settings.deadLetter() ? Outcome.DEAD_LETTER : poisoned(claim.entry().uid());
    }

    private boolean wouldBePoison(Claim claim) {
        return settings.maxAttempts() > 0 && claim.entry().attempts() + 1 >= settings.maxAttempts();
    }

    /**
     * Makes the claims and the completions recorded with deferSync durable: before the poll sends DELEs or QUIT. May run
     * on another thread while the poll goes on.
     */
    public void sync() throws IOException {
        ledger.sync();
    }

    /** The dead letter endpoint refused the mail: it stays poison, and the next poll owes the dead letter again. */
    public void deadLetterFailed(String uid) throws IOException {
        ledger.update(uid, current -> current == null ? null : current.withState(MessageState.FAILED));
    }

    /** A poison mail's dead letter was delivered (or none is configured): apply {@code poisonAction}. */
    public Outcome poisoned(String uid) throws IOException {
        boolean delete = settings.poisonAction() == PoisonAction.DELETE;
        ledger.update(uid, current -> current == null ? null
                : current.withState(delete ? MessageState.DELETE_PENDING : MessageState.POISON));
        statistics.addPoisoned();
        return delete ? Outcome.DELETE : Outcome.KEEP;
    }

    /**
     * The poison mails on record: kept on the server and never delivered again ({@code poisonAction=keep}), or waiting
     * for their dead letter to go out.
     */
    public List<LedgerEntry> poisonMails() {
        return ledger.entries().values().stream().filter(this::isPoisonOnRecord)
                .sorted(Comparator.comparingLong(LedgerEntry::firstSeen)).toList();
    }

    /**
     * An operator's "try this one again": a poison mail goes back to failed with its attempts reset, so the next poll
     * delivers it (with {@code CamelPop3xAttempt} 1) and it gets {@code maxAttempts} new tries.
     *
     * @return false if the mail is not poison (unknown, delivered meanwhile, or being dead-lettered right now)
     */
    public boolean retryPoison(String uid) throws IOException {
        boolean[] released = new boolean[1];
        ledger.update(uid, current -> {
            released[0] = current != null && isPoisonOnRecord(current);
            return released[0] ? current.retried() : current;
        });
        return released[0];
    }

    private boolean isPoisonOnRecord(LedgerEntry entry) {
        return entry.state() == MessageState.POISON || entry.state() == MessageState.FAILED && isPoison(entry);
    }

    /** How many mails the ledger knows. */
    public int ledgerEntries() {
        return ledger.entries().size();
    }

    public MailboxStatistics statistics() {
        return statistics;
    }

    /**
     * A QUIT confirmed these DELEs: the mails are gone from the server, and from the ledger. Not synced: if the
     * removal is lost with the machine, the next poll forgets the entries anyway (their UIDLs are gone).
     */
    public void deleted(Collection<String> uids) throws IOException {
        statistics.addDeleted(uids.size());
        ledger.updateAllDeferred(uids, (uid, current) -> null);
    }

    /**
     * Applies a completion only while the claim it belongs to still holds: a completion that arrives after its claim
     * expired and the mail was claimed again must not overwrite what the newer delivery decides.
     */
    private boolean changeIfHeld(Claim claim, java.util.function.UnaryOperator<LedgerEntry> change, boolean deferSync)
            throws IOException {
        boolean[] held = new boolean[1];
        java.util.function.UnaryOperator<LedgerEntry> ifHeld = current -> {
            held[0] = isHeld(current, claim);
            return held[0] ? change.apply(current) : current;
        };
        if (deferSync) {
            ledger.updateDeferred(claim.entry().uid(), ifHeld);
        } else {
            ledger.update(claim.entry().uid(), ifHeld);
        }
        if (!held[0]) {
            LOG.warn("Mail {} completed after its claim expired (claimTimeout) and was taken again; this completion is"
                     + " ignored", claim.entry().uid());
        }
        return held[0];
    }

    private static boolean isHeld(LedgerEntry current, Claim claim) {
        return current != null && current.state() == MessageState.IN_FLIGHT
               && java.util.Objects.equals(current.claimOwner(), claim.entry().claimOwner())
               && current.claimedAt() == claim.entry().claimedAt();
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

package dev.pop3x.policy;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.pop3x.ledger.Durability;
import dev.pop3x.ledger.LedgerEntry;
import dev.pop3x.ledger.MailboxLedger;
import dev.pop3x.ledger.MessageState;
import dev.pop3x.ledger.Transition;
import dev.pop3x.policy.PollPlan.Delivery;
import dev.pop3x.session.MailboxMessage;
import dev.pop3x.session.MailboxSnapshot;
import dev.pop3x.session.MessageSizes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that decides what happens to a mail: whether a poll delivers it, and what its completion does to it
 * on the server (delete, keep, retry, dead letter, poison, retention, size). Every decision is written to the ledger
 * first and then carried out through {@link MailActions}, so a crash at any point leaves a state the next poll can
 * finish. The life cycle is drawn in docs/delivery-guarantees.md.
 *
 * <p>Claims: a mail is held by the owner id of this life cycle (one per endpoint start) until it completes or its
 * claim is older than {@code claimTimeout}. A claim by any other owner is void: the ledger's fencing token makes this
 * consumer the mailbox's only live writer, so another owner is a process or an endpoint start that is gone.
 */
public final class MessageLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(MessageLifecycle.class);

    private final MailboxLedger ledger;
    private final PolicySettings settings;
    private final String owner;
    private final Clock clock;
    private final MailboxStatistics statistics;
    /** The server answered TOP with -ERR: oversize mails cannot be delivered as headers, so they are skipped. */
    private volatile boolean topRefused;

    /**
     * @param owner      who holds the claims this life cycle makes: unique per endpoint start
     * @param statistics counts what this life cycle decides (kept by the endpoint across restarts)
     */
    public MessageLifecycle(MailboxLedger ledger, PolicySettings settings, String owner, Clock clock,
                            MailboxStatistics statistics) {
        this.ledger = ledger;
        this.settings = settings;
        this.owner = owner;
        this.clock = clock;
        this.statistics = statistics;
    }

    /**
     * Decides a poll: forgets mails no longer on the server, then sorts every mail into what this poll does with it.
     * Sizes are asked (through {@code sizes}) only for the mails it may retrieve: new ones, retries, dead letters owed.
     */
    public PollPlan plan(MailboxSnapshot snapshot, MessageSizes sizes) throws IOException {
        long now = clock.millis();
        Map<String, LedgerEntry> known = new HashMap<>(ledger.load(snapshot.uids(), now));
        ledger.prune(now);
        List<MailboxMessage> retrievable = new ArrayList<>();
        for (MailboxMessage mail : snapshot.distinctMails()) {
            LedgerEntry entry = known.get(mail.uid());
            if (entry != null && isPoisonOfTheFormerRelease(entry, now)) {
                entry = poisonAsTheFormerReleaseMeantIt(entry);
                known.put(mail.uid(), entry);
            }
            if (entry == null || isDeliverable(entry, now) || isDeadLetterOwed(entry, now) && settings.deadLetter()) {
                retrievable.add(mail);
            }
        }
        MailboxSnapshot sized = sizes.sized(snapshot, retrievable);
        List<String> owedDeletes = new ArrayList<>();
        List<Delivery> deadLetters = new ArrayList<>();
        List<Delivery> deliveries = new ArrayList<>();
        long bytes = 0;
        for (MailboxMessage mail : sized.distinctMails()) {
            LedgerEntry entry = known.get(mail.uid());
            if (entry != null && !isDeliverable(entry, now)) {
                if (isDeleteOwed(entry, now)) {
                    owedDeletes.add(mail.uid());
                } else if (isDeadLetterOwed(entry, now) && settings.deadLetter()) {
                    deadLetters.add(new Delivery(mail, entry, false));
                } else if (isDeadLetterOwed(entry, now) && givenUpForDeadLetter(entry)) {
                    owedDeletes.add(mail.uid());
                }
                continue;
            }
            boolean oversize = settings.maxMessageSize() > 0 && mail.size() > settings.maxMessageSize();
            if (oversize && settings.oversizeAction() == OversizeAction.DELETE) {
                owedDeletes.add(mail.uid());
                continue;
            }
            if (oversize && (settings.oversizeAction() == OversizeAction.SKIP || topRefused)) {
                continue;
            }
            if (capReached(deliveries.size(), bytes)) {
                continue; // later mails may still owe a delete; keep looking
            }
            deliveries.add(new Delivery(mail, entry, oversize));
            bytes += oversize ? 0 : Math.max(mail.size(), 0);
        }
        return new PollPlan(owedDeletes, deadLetters, deliveries);
    }

    /**
     * The release before issue 11 had no state for "dead letter owed": a failed mail with {@code attempts >= maxAttempts}
     * meant it (the dead letter endpoint refused it, or the JVM died while sending it, leaving its claim). Such an entry
     * comes from a migrated format-1 ledger file, where every entry has version 1; this release never writes a failed
     * or claimed entry with attempts at version 1 (a claim's first change already makes it version 2).
     */
    private boolean isPoisonOfTheFormerRelease(LedgerEntry entry, long now) {
        boolean failedOrAbandoned = entry.state() == MessageState.FAILED
                                    || entry.state() == MessageState.IN_FLIGHT && !isHeld(entry, now);
        return entry.version() == 1 && failedOrAbandoned && settings.maxAttempts() > 0
               && entry.attempts() >= settings.maxAttempts();
    }

    /** Writes what the former release meant: its dead letter is owed, or (without an endpoint) poisonAction applies. */
    private LedgerEntry poisonAsTheFormerReleaseMeantIt(LedgerEntry legacy) throws IOException {
        MessageState meant = settings.deadLetter() ? MessageState.DEAD_LETTER_OWED : poisonState();
        LedgerEntry migrated = legacy.withState(meant);
        if (ledger.apply(List.of(new Transition(legacy, migrated)), Durability.NOW).isEmpty()) {
            return legacy; // changed meanwhile: the next poll looks again
        }
        if (meant != MessageState.DEAD_LETTER_OWED) {
            statistics.addPoisoned();
        }
        return migrated;
    }

    /**
     * A dead letter owed while no dead letter endpoint is configured any more: poisonAction applies, as it does to a
     * poison mail without one (else every poll would download it for an endpoint that is not there).
     *
     * @return true when the mail is to be deleted now
     */
    private boolean givenUpForDeadLetter(LedgerEntry owed) throws IOException {
        LedgerEntry poisoned = owed.withState(poisonState());
        if (ledger.apply(List.of(new Transition(owed, poisoned)), Durability.NOW).isEmpty()) {
            return false;
        }
        statistics.addPoisoned();
        return poisoned.state() == MessageState.DELETE_PENDING;
    }

    private boolean capReached(int count, long bytes) {
        return settings.maxMessagesPerPoll() > 0 && count >= settings.maxMessagesPerPoll()
               || settings.maxBytesPerPoll() > 0 && bytes >= settings.maxBytesPerPoll();
    }

    private boolean isDeleteOwed(LedgerEntry entry, long now) {
        return entry.state() == MessageState.DELETE_PENDING
               || entry.state() == MessageState.DONE && settings.deleteAfterMillis() > 0 && entry.completedAt() > 0
                  && now - entry.completedAt() >= settings.deleteAfterMillis();
    }

    private boolean isDeadLetterOwed(LedgerEntry entry, long now) {
        return entry.state() == MessageState.DEAD_LETTER_OWED && !isHeld(entry, now);
    }

    /** After a failure, or when its claim is void (another owner) or expired. Lowering maxAttempts changes nothing. */
    private boolean isDeliverable(LedgerEntry entry, long now) {
        return entry.state() == MessageState.FAILED || entry.state() == MessageState.IN_FLIGHT && !isHeld(entry, now);
    }

    /** Claimed by this life cycle, and not longer ago than claimTimeout. */
    private boolean isHeld(LedgerEntry entry, long now) {
        return owner.equals(entry.claimOwner()) && now - entry.claimedAt() <= settings.claimTimeoutMillis();
    }

    /**
     * Claims the mails of one retrieval window with one ledger write, durable at the next barrier: a RETR changes
     * nothing on the server, and a claim lost with the machine only means that the mail comes again.
     *
     * @return the claims that held (a mail changed since the plan read it is left to the next poll), in the order asked
     */
    public List<Claim> claim(List<Delivery> window) throws IOException {
        long now = clock.millis();
        Map<String, Delivery> byUid = new HashMap<>();
        List<Transition> wanted = new ArrayList<>();
        for (Delivery d : window) {
            LedgerEntry current = d.entry();
            if (current == null) {
                wanted.add(new Transition(null, LedgerEntry.claimedFirst(d.uid(), owner, now)));
            } else if (isDeliverable(current, now)) {
                wanted.add(new Transition(current, current.claimed(owner, now)));
            } else {
                continue;
            }
            byUid.put(d.uid(), d);
        }
        List<Claim> claims = new ArrayList<>();
        if (wanted.isEmpty()) {
            return claims;
        }
        for (Transition t : ledger.apply(wanted, Durability.AT_BARRIER)) {
            claims.add(new Claim(byUid.get(t.uid()), t.to(), t.from()));
        }
        return claims;
    }

    /** Claims a poison mail whose dead letter is owed, for sending it now. */
    public Optional<Claim> claimDeadLetter(Delivery owed) throws IOException {
        LedgerEntry current = owed.entry();
        if (current == null || !isDeadLetterOwed(current, clock.millis())) {
            return Optional.empty();
        }
        LedgerEntry held = current.heldBy(owner, clock.millis());
        boolean applied = !ledger.apply(List.of(new Transition(current, held)), Durability.NOW).isEmpty();
        return applied ? Optional.of(new Claim(owed, held, current)) : Optional.empty();
    }

    /** The mail never reached the route (download or mapping failed): it is as if it had not been claimed. */
    public void release(Claim claim) throws IOException {
        LedgerEntry before = claim.previous();
        // a new mail goes back to "failed, no attempt counted": deliverable as if unknown, but still versioned
        LedgerEntry released = before == null
                ? claim.entry().withState(MessageState.FAILED) : claim.entry().restoredFrom(before);
        ledger.apply(List.of(new Transition(claim.entry(), released)), Durability.NOW);
    }

    /** The route completed the Exchange successfully: delete or keep. */
    public void succeeded(Claim claim, MailActions actions) throws IOException {
        boolean delete = settings.delete() && !claim.headersOnly();
        LedgerEntry done = claim.entry().completed(delete ? MessageState.DELETE_PENDING : MessageState.DONE,
                clock.millis());
        if (!applyIfHeld(claim, done, Durability.AT_BARRIER)) {
            return;
        }
        statistics.addCompleted();
        boolean pollSyncs = delete ? actions.delete(claim.uid()) : actions.pollOpen();
        if (!pollSyncs) {
            ledger.awaitDurable();
        }
    }

    /**
     * The route failed on the Exchange (or the server refused to hand the mail out): one more attempt counted. At
     * {@code maxAttempts} the mail is poison: it goes to the dead letter endpoint if one is configured (the dead
     * letter is owed until the endpoint takes it), then {@code poisonAction} applies.
     */
    public void failed(Claim claim, String error, MailActions actions) throws IOException {
        LedgerEntry failed = claim.entry().failed(error);
        boolean poison = settings.maxAttempts() > 0 && failed.attempts() >= settings.maxAttempts();
        if (!poison) {
            if (applyIfHeld(claim, failed, Durability.AT_BARRIER)) {
                statistics.addFailed();
                if (!actions.pollOpen()) {
                    ledger.awaitDurable();
                }
            }
            return;
        }
        if (!settings.deadLetter()) {
            LedgerEntry poisoned = oneStepFrom(claim.entry(), failed.withState(poisonState()));
            if (applyIfHeld(claim, poisoned, Durability.NOW)) {
                statistics.addFailed();
                applyPoisonAction(poisoned, actions);
            }
            return;
        }
        // durable before it goes out: a crash must not send it to the route (or the dead letter endpoint) again
        LedgerEntry owed = oneStepFrom(claim.entry(),
                failed.withState(MessageState.DEAD_LETTER_OWED).heldBy(owner, clock.millis()));
        if (applyIfHeld(claim, owed, Durability.NOW)) {
            statistics.addFailed();
            sendDeadLetter(owed, error, actions);
        }
    }

    /** A dead letter owed from an earlier poll, downloaded again: send it. */
    public void sendOwedDeadLetter(Claim claim, MailActions actions) throws IOException {
        sendDeadLetter(claim.entry(), claim.entry().lastError(), actions);
    }

    /** The server will not hand out a mail whose dead letter is owed: no dead letter can carry it; poisonAction applies. */
    public void deadLetterUndeliverable(Claim claim, MailActions actions) throws IOException {
        LedgerEntry poisoned = claim.entry().withState(poisonState());
        if (!ledger.apply(List.of(new Transition(claim.entry(), poisoned)), Durability.NOW).isEmpty()) {
            applyPoisonAction(poisoned, actions);
        }
    }

    private void sendDeadLetter(LedgerEntry held, String failure, MailActions actions) throws IOException {
        if (!actions.deadLetter(held, failure)) {
            // owed to the next poll; nobody holds it meanwhile
            ledger.apply(List.of(new Transition(held, held.withState(MessageState.DEAD_LETTER_OWED))), Durability.NOW);
            return;
        }
        LedgerEntry poisoned = held.withState(poisonState());
        if (!ledger.apply(List.of(new Transition(held, poisoned)), Durability.NOW).isEmpty()) {
            applyPoisonAction(poisoned, actions);
        }
    }

    /**
     * One write is one version step ({@link Transition}), however many changes it combines: a store that sets the
     * version itself must agree with the entry this life cycle goes on from.
     */
    private static LedgerEntry oneStepFrom(LedgerEntry from, LedgerEntry changed) {
        return new LedgerEntry(changed.uid(), changed.state(), changed.attempts(), changed.firstSeen(),
                changed.completedAt(), changed.claimOwner(), changed.claimedAt(), changed.lastError(),
                from.version() + 1);
    }

    private MessageState poisonState() {
        return settings.poisonAction() == PoisonAction.DELETE ? MessageState.DELETE_PENDING : MessageState.POISON;
    }

    /** The poison state is durable: a DELE refused because the poll ended is sent by the next poll. */
    private void applyPoisonAction(LedgerEntry poisoned, MailActions actions) {
        statistics.addPoisoned();
        if (poisoned.state() == MessageState.DELETE_PENDING) {
            actions.delete(poisoned.uid());
        }
    }

    /**
     * Applies a decision only while the claim it belongs to still holds: a completion that arrives after its claim
     * expired and the mail was claimed again must not overwrite what the newer delivery decides.
     */
    private boolean applyIfHeld(Claim claim, LedgerEntry next, Durability durability) throws IOException {
        if (!ledger.apply(List.of(new Transition(claim.entry(), next)), durability).isEmpty()) {
            return true;
        }
        LOG.warn("Mail {} completed after its claim expired (claimTimeout) and was taken again; this completion is"
                 + " ignored",
                claim.uid());
        return false;
    }

    /**
     * Makes every decision written so far durable: before the poll sends DELEs or QUIT. May run on another thread
     * while the poll goes on.
     */
    public void awaitDurable() throws IOException {
        ledger.awaitDurable();
    }

    /**
     * A QUIT confirmed these DELEs: the mails are gone from the server, and from the ledger. Not made durable: if the
     * removal is lost with the machine, the next poll forgets the entries anyway (their UIDLs are gone).
     */
    public void deleted(Collection<String> uids) throws IOException {
        statistics.addDeleted(uids.size());
        List<Transition> removals = new ArrayList<>();
        for (LedgerEntry gone : ledger.load(uids, clock.millis()).values()) {
            removals.add(new Transition(gone, null));
        }
        ledger.apply(removals, Durability.AT_BARRIER);
    }

    /**
     * The poison mails on record: kept on the server and never delivered again ({@code poisonAction=keep}), or waiting
     * for their dead letter to go out.
     */
    public List<LedgerEntry> poisonMails() throws IOException {
        long now = clock.millis();
        // not one whose dead letter is being sent right now: it may be gone in a moment, and cannot be released
        return ledger.find(EnumSet.of(MessageState.POISON, MessageState.DEAD_LETTER_OWED)).stream()
                .filter(e -> e.state() == MessageState.POISON || !isHeld(e, now))
                .sorted(Comparator.comparingLong(LedgerEntry::firstSeen)).toList();
    }

    /**
     * An operator's "try this one again": a poison mail goes back to failed with its attempts reset, so the next poll
     * delivers it (with {@code CamelPop3xAttempt} 1) and it gets {@code maxAttempts} new tries.
     *
     * @return false if the mail is not poison (unknown, delivered meanwhile, or being dead-lettered right now)
     */
    public boolean retryPoison(String uid) throws IOException {
        long now = clock.millis();
        LedgerEntry current = ledger.load(List.of(uid), now).get(uid);
        boolean poison = current != null && (current.state() == MessageState.POISON || isDeadLetterOwed(current, now));
        return poison && !ledger.apply(List.of(new Transition(current, current.retried())), Durability.NOW).isEmpty();
    }

    /** The server refused TOP: from now on oversize mails are skipped instead of claimed, TOP-ed and released. */
    public void topRefused() {
        topRefused = true;
    }

    /** How many mails the ledger knows. */
    public int ledgerEntries() throws IOException {
        return ledger.size();
    }

    public MailboxStatistics statistics() {
        return statistics;
    }
}

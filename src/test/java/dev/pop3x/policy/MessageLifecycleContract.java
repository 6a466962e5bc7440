package dev.pop3x.policy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import dev.pop3x.ledger.Durability;
import dev.pop3x.ledger.Ledger;
import dev.pop3x.ledger.LedgerEntry;
import dev.pop3x.ledger.MailboxLedger;
import dev.pop3x.ledger.MessageState;
import dev.pop3x.ledger.Transition;
import dev.pop3x.policy.PollPlan.Delivery;
import dev.pop3x.policy.RecordingMailActions.DeadLetter;
import dev.pop3x.protocol.ListEntry;
import dev.pop3x.protocol.UidlEntry;
import dev.pop3x.session.MailboxMessage;
import dev.pop3x.session.MailboxSnapshot;
import dev.pop3x.session.MessageSizes;
import dev.pop3x.testsupport.ForwardingMailboxLedger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The decisions of the life cycle, run against every ledger implementation: what it asks the consumer to do (a
 * recording {@link MailActions}) and what the ledger says afterwards. The Dovecot tests show them on a real server.
 */
abstract class MessageLifecycleContract {

    @TempDir
    Path tempDir;

    private final Clock clock = Clock.fixed(Instant.ofEpochMilli(1_000_000_000), ZoneOffset.UTC);
    private final MailboxStatistics statistics = new MailboxStatistics();
    private final RecordingMailActions actions = new RecordingMailActions();
    private Ledger store;
    private MailboxLedger ledger;

    /** A new, empty ledger; its files, if it has any, go to {@code directory}. */
    protected abstract Ledger newLedger(Path directory);

    @BeforeEach
    void openLedger() throws IOException {
        store = newLedger(tempDir);
        store.start();
        ledger = new OneVersionStepLedger(store.open("alice@h:995"));
    }

    @AfterEach
    void closeLedger() throws IOException {
        try {
            ledger.close();
        } finally {
            store.stop();
        }
    }

    /** The snapshots below come with their LIST: every size is known already. */
    private static final MessageSizes LISTED = (snapshot, mails) -> snapshot;

    /** Mails named by UIDL; the size of mail i (from 1) is 100 * i. */
    private static MailboxSnapshot snapshot(String... uids) {
        List<UidlEntry> uidl = new ArrayList<>();
        List<ListEntry> list = new ArrayList<>();
        for (int i = 0; i < uids.length; i++) {
            uidl.add(new UidlEntry(i + 1, uids[i]));
            list.add(new ListEntry(i + 1, 100L * (i + 1)));
        }
        return new MailboxSnapshot(uidl, list);
    }

    private MessageLifecycle lifecycle(PolicySettings settings, String owner, Clock at) {
        return new MessageLifecycle(ledger, settings, owner, at, statistics);
    }

    private MessageLifecycle lifecycle(PolicySettings settings) {
        return lifecycle(settings, "me", clock);
    }

    private MessageLifecycle lifecycle(boolean delete) {
        return lifecycle(PolicySettings.defaults(delete));
    }

    private Clock after(Duration duration) {
        return Clock.offset(clock, duration);
    }

    private static List<String> delivered(PollPlan plan) {
        return plan.deliveries().stream().map(Delivery::uid).toList();
    }

    /** What a poll does to hand one mail to the route: plans a snapshot with only that mail and claims it. */
    private static Optional<Claim> claim(MessageLifecycle lifecycle, String uid) throws IOException {
        return lifecycle.claim(lifecycle.plan(snapshot(uid), LISTED).deliveries()).stream().findFirst();
    }

    /** The ledger's entry for a mail, read without counting it as seen. */
    private Optional<LedgerEntry> find(String uid) throws IOException {
        return ledger.find(EnumSet.allOf(MessageState.class)).stream().filter(e -> e.uid().equals(uid)).findFirst();
    }

    private LedgerEntry entry(String uid) throws IOException {
        return find(uid).orElseThrow();
    }

    @Test
    void newMailsAreDeliveredOldestFirstAndCappedByMaxMessages() throws Exception {
        PolicySettings two = new PolicySettings(true, 0, 3, PoisonAction.KEEP, false, 0, OversizeAction.SKIP, 2, 0,
                60_000);
        PollPlan plan = lifecycle(two).plan(snapshot("a", "b", "c"), LISTED);
        assertThat(delivered(plan)).containsExactly("a", "b");
        assertThat(plan.deliveries().get(1).mail().size()).isEqualTo(200);
        assertThat(plan.owedDeletes()).isEmpty();
    }

    @Test
    void maxBytesPerPollStopsOnceReachedButAlwaysTakesOne() throws Exception {
        PolicySettings bytes = new PolicySettings(true, 0, 3, PoisonAction.KEEP, false, 0, OversizeAction.SKIP, 0, 250,
                60_000);
        assertThat(delivered(lifecycle(bytes).plan(snapshot("a", "b", "c", "d"), LISTED))).containsExactly("a", "b");
        PolicySettings tiny = new PolicySettings(true, 0, 3, PoisonAction.KEEP, false, 0, OversizeAction.SKIP, 0, 1,
                60_000);
        assertThat(delivered(lifecycle(tiny).plan(snapshot("a", "b"), LISTED))).containsExactly("a");
    }

    @Test
    void copiesSharingOneUidlAreOneMail() throws Exception {
        MailboxSnapshot snapshot = snapshot("a", "x", "a");
        assertThat(delivered(lifecycle(true).plan(snapshot, LISTED))).containsExactly("a", "x");
        assertThat(snapshot.numbersOf("a")).containsExactly(1, 3);
    }

    @Test
    void keepModeCompletionIsNeverDeliveredAgain() throws Exception {
        MessageLifecycle lifecycle = lifecycle(false);
        lifecycle.succeeded(claim(lifecycle, "a").orElseThrow(), actions);
        assertThat(actions.deletes).isEmpty();
        assertThat(delivered(lifecycle.plan(snapshot("a", "b"), LISTED))).containsExactly("b");
        assertThat(entry("a").state()).isEqualTo(MessageState.DONE);
        assertThat(entry("a").completedAt()).isEqualTo(clock.millis());
    }

    @Test
    void deleteModeCompletionIsOwedUntilQuitConfirmsIt() throws Exception {
        MessageLifecycle lifecycle = lifecycle(true);
        lifecycle.succeeded(claim(lifecycle, "a").orElseThrow(), actions);
        assertThat(actions.deletes).containsExactly("a"); // asked of the poll the mail was delivered by
        assertThat(entry("a").state()).isEqualTo(MessageState.DELETE_PENDING);
        PollPlan next = lifecycle.plan(snapshot("a"), LISTED);
        assertThat(next.owedDeletes()).containsExactly("a");
        assertThat(next.deliveries()).isEmpty();
        lifecycle.deleted(List.of("a"));
        assertThat(ledger.size()).isZero();
    }

    @Test
    void failureCountsAnAttemptAndDeliversAgainUntilPoison() throws Exception {
        MessageLifecycle lifecycle = lifecycle(true);
        for (int attempt = 1; attempt <= 2; attempt++) {
            Claim claim = claim(lifecycle, "a").orElseThrow();
            assertThat(claim.attempt()).isEqualTo(attempt);
            lifecycle.failed(claim, "boom " + attempt, actions);
            assertThat(entry("a").state()).isEqualTo(MessageState.FAILED);
            assertThat(entry("a").attempts()).isEqualTo(attempt);
            assertThat(delivered(lifecycle.plan(snapshot("a"), LISTED))).containsExactly("a");
        }
        lifecycle.failed(claim(lifecycle, "a").orElseThrow(), "boom 3", actions);
        // poison, kept: no dead letter configured
        assertThat(actions.deletes).isEmpty();
        assertThat(actions.deadLetters).isEmpty();
        assertThat(entry("a").state()).isEqualTo(MessageState.POISON);
        assertThat(entry("a").lastError()).isEqualTo("boom 3");
        PollPlan next = lifecycle.plan(snapshot("a"), LISTED);
        assertThat(next.deliveries()).isEmpty();
        assertThat(next.deadLetters()).isEmpty();
    }

    @Test
    void loweringMaxAttemptsDoesNotTurnStoredFailuresIntoPoison() throws Exception {
        MessageLifecycle five = lifecycle(
                new PolicySettings(true, 0, 5, PoisonAction.KEEP, false, 0, OversizeAction.SKIP,
                        0, 0, 60_000));
        five.failed(claim(five, "a").orElseThrow(), "boom 1", actions);
        five.failed(claim(five, "a").orElseThrow(), "boom 2", actions);

        MessageLifecycle two = lifecycle(
                new PolicySettings(true, 0, 2, PoisonAction.KEEP, false, 0, OversizeAction.SKIP,
                        0, 0, 60_000));
        assertThat(delivered(two.plan(snapshot("a"), LISTED))).containsExactly("a");
        Claim third = claim(two, "a").orElseThrow();
        assertThat(third.attempt()).isEqualTo(3);
        two.failed(third, "boom 3", actions); // its next failure makes it poison
        assertThat(entry("a").state()).isEqualTo(MessageState.POISON);
        assertThat(entry("a").attempts()).isEqualTo(3);
        assertThat(two.plan(snapshot("a"), LISTED).deliveries()).isEmpty();
    }

    /**
     * The former release wrote "dead letter owed" as a failed mail with attempts >= maxAttempts (or left it claimed when
     * the JVM died while sending it); its entries come out of the migrated file at version 1.
     */
    private void storeEntriesOfTheFormerRelease() throws IOException {
        ledger.apply(List.of(
                new Transition(null, new LedgerEntry("owed", MessageState.FAILED, 3, 1000, 0, null, 0, "boom", 1)),
                new Transition(null,
                        new LedgerEntry("abandoned", MessageState.IN_FLIGHT, 3, 1000, 0, "former-run", 2000, "boom",
                                1)),
                new Transition(null, new LedgerEntry("retried", MessageState.FAILED, 2, 1000, 0, null, 0, "boom", 1))),
                Durability.NOW);
    }

    @Test
    void aDeadLetterOwedInTheFormerReleaseIsStillOwedNotDeliveredAgain() throws Exception {
        storeEntriesOfTheFormerRelease();
        MessageLifecycle lifecycle = lifecycle(new PolicySettings(true, 0, 3, PoisonAction.KEEP, true, 0,
                OversizeAction.SKIP, 0, 0, 60_000));

        PollPlan plan = lifecycle.plan(snapshot("owed", "abandoned", "retried"), LISTED);
        assertThat(plan.deadLetters()).extracting(Delivery::uid).containsExactly("owed", "abandoned");
        assertThat(delivered(plan)).containsExactly("retried");
        assertThat(entry("owed").state()).isEqualTo(MessageState.DEAD_LETTER_OWED);
        assertThat(entry("abandoned").state()).isEqualTo(MessageState.DEAD_LETTER_OWED);
        assertThat(entry("retried").state()).isEqualTo(MessageState.FAILED);
    }

    @Test
    void aPoisonMailOfTheFormerReleaseWithoutADeadLetterEndpointGetsPoisonAction() throws Exception {
        storeEntriesOfTheFormerRelease();
        MessageLifecycle lifecycle = lifecycle(new PolicySettings(true, 0, 3, PoisonAction.DELETE, false, 0,
                OversizeAction.SKIP, 0, 0, 60_000));

        PollPlan plan = lifecycle.plan(snapshot("owed", "abandoned", "retried"), LISTED);
        assertThat(plan.owedDeletes()).containsExactly("owed", "abandoned");
        assertThat(delivered(plan)).containsExactly("retried");
        assertThat(entry("owed").state()).isEqualTo(MessageState.DELETE_PENDING);
        assertThat(statistics.poisoned()).isEqualTo(2);
    }

    @Test
    void aDeadLetterOwedStaysOwedWhenMaxAttemptsIsRaised() throws Exception {
        MessageLifecycle one = lifecycle(new PolicySettings(true, 0, 1, PoisonAction.KEEP, true, 0, OversizeAction.SKIP,
                0, 0, 60_000));
        one.failed(claim(one, "a").orElseThrow(), "boom", actions.refusingDeadLetters());
        assertThat(entry("a").state()).isEqualTo(MessageState.DEAD_LETTER_OWED);

        MessageLifecycle five = lifecycle(
                new PolicySettings(true, 0, 5, PoisonAction.KEEP, true, 0, OversizeAction.SKIP,
                        0, 0, 60_000));
        PollPlan plan = five.plan(snapshot("a"), LISTED);
        assertThat(plan.deliveries()).isEmpty();
        assertThat(plan.deadLetters()).extracting(Delivery::uid).containsExactly("a");
    }

    @Test
    void aDeadLetterOwedWhenNoDeadLetterEndpointIsConfiguredAnyMoreGetsPoisonActionInstead() throws Exception {
        MessageLifecycle withEndpoint = lifecycle(new PolicySettings(true, 0, 1, PoisonAction.KEEP, true, 0,
                OversizeAction.SKIP, 0, 0, 60_000));
        withEndpoint.failed(claim(withEndpoint, "kept").orElseThrow(), "boom", actions.refusingDeadLetters());
        withEndpoint.failed(claim(withEndpoint, "deleted").orElseThrow(), "boom", actions);
        assertThat(withEndpoint.poisonMails()).extracting(LedgerEntry::state)
                .containsOnly(MessageState.DEAD_LETTER_OWED);

        PollPlan keep = lifecycle(new PolicySettings(true, 0, 1, PoisonAction.KEEP, false, 0, OversizeAction.SKIP, 0, 0,
                60_000)).plan(snapshot("kept"), LISTED);
        assertThat(keep.deadLetters()).isEmpty();
        assertThat(keep.deliveries()).isEmpty();
        assertThat(keep.owedDeletes()).isEmpty();
        assertThat(entry("kept").state()).isEqualTo(MessageState.POISON);

        PollPlan delete = lifecycle(
                new PolicySettings(true, 0, 1, PoisonAction.DELETE, false, 0, OversizeAction.SKIP, 0,
                        0, 60_000))
                .plan(snapshot("deleted"), LISTED);
        assertThat(delete.deadLetters()).isEmpty();
        assertThat(delete.owedDeletes()).containsExactly("deleted");
        assertThat(entry("deleted").state()).isEqualTo(MessageState.DELETE_PENDING);
        assertThat(statistics.poisoned()).isEqualTo(2);
    }

    @Test
    void aReleasedPoisonMailIsDeliveredAgainWithFreshAttemptsAndIsCounted() throws Exception {
        MessageLifecycle lifecycle = lifecycle(
                new PolicySettings(true, 0, 1, PoisonAction.KEEP, false, 0, OversizeAction.SKIP,
                        0, 0, 60_000));
        lifecycle.succeeded(claim(lifecycle, "good").orElseThrow(), actions);
        lifecycle.failed(claim(lifecycle, "bad").orElseThrow(), "boom", actions);
        assertThat(lifecycle.poisonMails()).extracting(LedgerEntry::uid).containsExactly("bad");
        assertThat(lifecycle.retryPoison("good")).isFalse(); // not poison: left alone
        assertThat(lifecycle.retryPoison("unknown")).isFalse();

        assertThat(lifecycle.retryPoison("bad")).isTrue();
        assertThat(lifecycle.poisonMails()).isEmpty();
        assertThat(lifecycle.retryPoison("bad")).isFalse();
        assertThat(delivered(lifecycle.plan(snapshot("good", "bad"), LISTED))).containsExactly("bad");
        Claim again = claim(lifecycle, "bad").orElseThrow();
        assertThat(again.attempt()).isEqualTo(1);
        lifecycle.failed(again, "boom again", actions);
        assertThat(entry("bad").state()).isEqualTo(MessageState.POISON); // maxAttempts=1: poison again

        assertThat(statistics.completed()).isEqualTo(1);
        assertThat(statistics.failed()).isEqualTo(2);
        assertThat(statistics.poisoned()).isEqualTo(2);
        lifecycle.deleted(List.of("good"));
        assertThat(statistics.deleted()).isEqualTo(1);
        assertThat(lifecycle.ledgerEntries()).isEqualTo(1);
    }

    @Test
    void aPoisonMailWhoseDeadLetterIsBeingSentCannotBeReleased() throws Exception {
        MessageLifecycle lifecycle = lifecycle(
                new PolicySettings(true, 0, 1, PoisonAction.KEEP, true, 0, OversizeAction.SKIP,
                        0, 0, 60_000));
        actions.refusingDeadLetters().whileSending = sending -> assertThat(lifecycle.retryPoison("a")).isFalse();
        lifecycle.failed(claim(lifecycle, "a").orElseThrow(), "boom", actions);
        assertThat(actions.deadLetters).extracting(DeadLetter::uid).containsExactly("a");
        // the endpoint refused it: its dead letter is owed
        assertThat(entry("a").state()).isEqualTo(MessageState.DEAD_LETTER_OWED);
        assertThat(lifecycle.poisonMails()).extracting(LedgerEntry::uid).containsExactly("a");
        assertThat(lifecycle.retryPoison("a")).isTrue();
        assertThat(lifecycle.plan(snapshot("a"), LISTED).deadLetters()).isEmpty();
        assertThat(delivered(lifecycle.plan(snapshot("a"), LISTED))).containsExactly("a");
    }

    @Test
    void maxAttemptsZeroRetriesForever() throws Exception {
        MessageLifecycle lifecycle = lifecycle(
                new PolicySettings(true, 0, 0, PoisonAction.KEEP, false, 0, OversizeAction.SKIP,
                        0, 0, 60_000));
        for (int i = 0; i < 20; i++) {
            lifecycle.failed(claim(lifecycle, "a").orElseThrow(), "boom", actions);
            assertThat(entry("a").state()).isEqualTo(MessageState.FAILED);
        }
        assertThat(entry("a").attempts()).isEqualTo(20);
        assertThat(actions.deletes).isEmpty();
        assertThat(actions.deadLetters).isEmpty();
    }

    @Test
    void poisonWithADeadLetterEndpointIsDeadLetteredThenPoisonActionApplies() throws Exception {
        MessageLifecycle lifecycle = lifecycle(new PolicySettings(true, 0, 1, PoisonAction.DELETE, true, 0,
                OversizeAction.SKIP, 0, 0, 60_000));
        actions.refusingDeadLetters().whileSending = sending -> {
            // while the dead letter is being sent the mail stays claimed: no poll sends it a second time
            PollPlan meanwhile = lifecycle.plan(snapshot("a"), LISTED);
            assertThat(meanwhile.deadLetters()).isEmpty();
            assertThat(meanwhile.deliveries()).isEmpty();
            assertThat(lifecycle.claimDeadLetter(new Delivery(snapshot("a").messages().get(0), sending, false)))
                    .isEmpty();
        };
        lifecycle.failed(claim(lifecycle, "a").orElseThrow(), "boom", actions);
        assertThat(actions.deadLetters).containsExactly(new DeadLetter("a", 1, "boom"));
        assertThat(actions.deletes).isEmpty();
        // the dead letter endpoint refused it: the next poll owes it, it is not delivered to the route
        PollPlan owed = lifecycle.plan(snapshot("a"), LISTED);
        assertThat(owed.deliveries()).isEmpty();
        assertThat(owed.deadLetters()).extracting(Delivery::uid).containsExactly("a");
        assertThat(lifecycle.claim(owed.deadLetters())).isEmpty();
        Claim sending = lifecycle.claimDeadLetter(owed.deadLetters().get(0)).orElseThrow();
        RecordingMailActions nextPoll = new RecordingMailActions();
        lifecycle.sendOwedDeadLetter(sending, nextPoll);
        assertThat(nextPoll.deadLetters).containsExactly(new DeadLetter("a", 1, "boom"));
        assertThat(nextPoll.deletes).containsExactly("a");
        assertThat(entry("a").state()).isEqualTo(MessageState.DELETE_PENDING);
        assertThat(lifecycle.plan(snapshot("a"), LISTED).owedDeletes()).containsExactly("a");
    }

    @Test
    void aDeadLetterOwedForAMailTheServerWillNotHandOutIsGivenUpAndPoisonActionApplies() throws Exception {
        MessageLifecycle lifecycle = lifecycle(new PolicySettings(true, 0, 1, PoisonAction.DELETE, true, 0,
                OversizeAction.SKIP, 0, 0, 60_000));
        lifecycle.failed(claim(lifecycle, "a").orElseThrow(), "boom", actions.refusingDeadLetters());
        Claim sending = lifecycle.claimDeadLetter(lifecycle.plan(snapshot("a"), LISTED).deadLetters().get(0))
                .orElseThrow();
        RecordingMailActions nextPoll = new RecordingMailActions();
        lifecycle.deadLetterUndeliverable(sending, nextPoll);
        assertThat(nextPoll.deadLetters).isEmpty();
        assertThat(nextPoll.deletes).containsExactly("a");
        assertThat(entry("a").state()).isEqualTo(MessageState.DELETE_PENDING);
        assertThat(statistics.poisoned()).isEqualTo(1);
    }

    @Test
    void retentionDeletesKeptMailsOnceDue() throws Exception {
        PolicySettings keep14d = new PolicySettings(false, Duration.ofDays(14).toMillis(), 3, PoisonAction.KEEP, false,
                0,
                OversizeAction.SKIP, 0, 0, 60_000);
        lifecycle(keep14d).succeeded(claim(lifecycle(keep14d), "a").orElseThrow(), actions);
        assertThat(actions.deletes).isEmpty();
        assertThat(lifecycle(keep14d).plan(snapshot("a"), LISTED).owedDeletes()).isEmpty();
        MessageLifecycle later = lifecycle(keep14d, "me", after(Duration.ofDays(14)));
        assertThat(later.plan(snapshot("a"), LISTED).owedDeletes()).containsExactly("a");
    }

    @Test
    void oversizeMailsAreSkippedDeletedOrDeliveredAsHeaders() throws Exception {
        MailboxSnapshot snapshot = snapshot("small", "big");
        PollPlan skip = lifecycle(
                new PolicySettings(true, 0, 3, PoisonAction.KEEP, false, 150, OversizeAction.SKIP, 0, 0,
                        60_000))
                .plan(snapshot, LISTED);
        assertThat(delivered(skip)).containsExactly("small");
        assertThat(skip.owedDeletes()).isEmpty();
        PollPlan delete = lifecycle(
                new PolicySettings(true, 0, 3, PoisonAction.KEEP, false, 150, OversizeAction.DELETE, 0, 0,
                        60_000))
                .plan(snapshot, LISTED);
        assertThat(delivered(delete)).containsExactly("small");
        assertThat(delete.owedDeletes()).containsExactly("big");
        MessageLifecycle headers = lifecycle(new PolicySettings(true, 0, 3, PoisonAction.KEEP, false, 150,
                OversizeAction.HEADERS, 0, 0, 60_000));
        PollPlan plan = headers.plan(snapshot, LISTED);
        assertThat(plan.deliveries()).containsExactly(
                new Delivery(snapshot.messages().get(0), null, false),
                new Delivery(snapshot.messages().get(1), null, true));
        // a headers-only delivery completes the mail but never deletes it, even with delete=true
        Claim big = headers.claim(plan.deliveries().subList(1, 2)).get(0);
        assertThat(big.headersOnly()).isTrue();
        headers.succeeded(big, actions);
        assertThat(actions.deletes).isEmpty();
        assertThat(entry("big").state()).isEqualTo(MessageState.DONE);
        assertThat(headers.plan(snapshot, LISTED).owedDeletes()).isEmpty();
    }

    @Test
    void sizesAreAskedOnlyForTheMailsThePollMayRetrieve() throws Exception {
        ledger.apply(List.of(
                new Transition(null, new LedgerEntry("done", MessageState.DONE, 0, 1000, 2000, null, 0, null, 1)),
                new Transition(null, new LedgerEntry("owed", MessageState.DELETE_PENDING, 0, 1000, 2000, null, 0, null,
                        1)),
                new Transition(null, new LedgerEntry("poison", MessageState.POISON, 3, 1000, 0, null, 0, "boom", 1)),
                new Transition(null, new LedgerEntry("retried", MessageState.FAILED, 1, 1000, 0, null, 0, "boom", 1)),
                new Transition(null,
                        new LedgerEntry("deadletter", MessageState.DEAD_LETTER_OWED, 3, 1000, 0, null, 0, "boom", 1))),
                Durability.NOW);
        List<String> uids = List.of("done", "owed", "new", "poison", "retried", "deadletter");
        List<UidlEntry> uidl = new ArrayList<>();
        for (int i = 0; i < uids.size(); i++) {
            uidl.add(new UidlEntry(i + 1, uids.get(i)));
        }
        List<String> asked = new ArrayList<>();
        MessageSizes server = (snapshot, mails) -> {
            mails.forEach(m -> asked.add(m.uid()));
            return snapshot.withSizes(mails.stream().collect(Collectors.toMap(MailboxMessage::number, m -> 500L)));
        };
        MessageLifecycle headersAbove400 = lifecycle(new PolicySettings(true, 0, 3, PoisonAction.KEEP, true, 400,
                OversizeAction.HEADERS, 0, 0, 60_000));

        PollPlan plan = headersAbove400.plan(MailboxSnapshot.unsized(uidl), server);
        assertThat(asked).containsExactly("new", "retried", "deadletter");
        assertThat(plan.deliveries()).extracting(Delivery::uid, Delivery::headersOnly)
                .containsExactly(tuple("new", true), tuple("retried", true));
        assertThat(plan.deliveries()).extracting(d -> d.mail().size()).containsOnly(500L);
        assertThat(plan.deadLetters()).extracting(d -> d.mail().size()).containsExactly(500L);
        assertThat(plan.owedDeletes()).containsExactly("owed");
    }

    @Test
    void onceTheServerRefusedTopOversizeMailsAreSkippedInsteadOfDeliveredAsHeaders() throws Exception {
        MailboxSnapshot snapshot = snapshot("small", "big");
        MessageLifecycle headers = lifecycle(new PolicySettings(true, 0, 3, PoisonAction.KEEP, false, 150,
                OversizeAction.HEADERS, 0, 0, 60_000));
        // the server answers TOP with -ERR: the consumer releases the claim and tells the life cycle
        Claim big = headers.claim(headers.plan(snapshot, LISTED).deliveries().subList(1, 2)).get(0);
        headers.release(big);
        headers.topRefused();
        PollPlan next = headers.plan(snapshot, LISTED);
        assertThat(delivered(next)).containsExactly("small");
        assertThat(next.owedDeletes()).isEmpty();
        assertThat(entry("big").attempts()).isZero();
    }

    @Test
    void aMailInFlightIsNotClaimedTwiceUntilItsClaimExpires() throws Exception {
        MessageLifecycle lifecycle = lifecycle(true);
        PollPlan first = lifecycle.plan(snapshot("a"), LISTED);
        assertThat(lifecycle.claim(first.deliveries())).hasSize(1);
        assertThat(lifecycle.claim(first.deliveries())).isEmpty();
        assertThat(lifecycle.plan(snapshot("a"), LISTED).deliveries()).isEmpty();
        assertThat(claim(lifecycle(PolicySettings.defaults(true), "me", after(Duration.ofMinutes(29))), "a")).isEmpty();
        // claimTimeout is 30 minutes
        assertThat(claim(lifecycle(PolicySettings.defaults(true), "me", after(Duration.ofMinutes(31))), "a"))
                .isPresent();
    }

    @Test
    void aMailInFlightUnderAnotherOwnerIsDeliveredAgainAtOnce() throws Exception {
        Claim ofAStartThatIsGone = claim(lifecycle(true), "a").orElseThrow();
        MessageLifecycle restarted = lifecycle(PolicySettings.defaults(true), "restarted", clock);
        assertThat(delivered(restarted.plan(snapshot("a"), LISTED))).containsExactly("a");
        Claim again = claim(restarted, "a").orElseThrow();
        assertThat(again.attempt()).isEqualTo(1);
        assertThat(entry("a").claimOwner()).isEqualTo("restarted");
        // what the earlier claim would still decide changes nothing
        lifecycle(true).succeeded(ofAStartThatIsGone, actions);
        assertThat(actions.deletes).isEmpty();
        assertThat(entry("a")).isEqualTo(again.entry());
    }

    @Test
    void releaseRestoresTheEntryBeforeTheClaim() throws Exception {
        MessageLifecycle lifecycle = lifecycle(true);
        lifecycle.failed(claim(lifecycle, "a").orElseThrow(), "boom", actions);
        LedgerEntry afterFailure = entry("a");
        lifecycle.release(claim(lifecycle, "a").orElseThrow());
        assertThat(entry("a")).usingRecursiveComparison().ignoringFields("version").isEqualTo(afterFailure);
        assertThat(entry("a").version()).isGreaterThan(afterFailure.version());
        // a mail claimed for the first time goes back to failed with no attempt counted: attempt 1 next time
        lifecycle.release(claim(lifecycle, "b").orElseThrow());
        assertThat(entry("b").state()).isEqualTo(MessageState.FAILED);
        assertThat(entry("b").attempts()).isZero();
        assertThat(entry("b").claimOwner()).isNull();
        assertThat(claim(lifecycle, "b").orElseThrow().attempt()).isEqualTo(1);
    }

    @Test
    void mailsGoneFromTheServerArePruned() throws Exception {
        MessageLifecycle lifecycle = lifecycle(false);
        lifecycle.succeeded(claim(lifecycle, "a").orElseThrow(), actions);
        // the next poll, which comes later: it forgets what it did not see
        lifecycle(PolicySettings.defaults(false), "me", after(Duration.ofMillis(1))).plan(snapshot("b"), LISTED);
        assertThat(find("a")).isEmpty();
    }

    @Test
    void aCompletionWhoseClaimExpiredAndWasTakenAgainIsIgnored() throws Exception {
        Claim stale = claim(lifecycle(true), "a").orElseThrow();
        MessageLifecycle later = lifecycle(PolicySettings.defaults(true), "other", after(Duration.ofMinutes(31)));
        Claim fresh = claim(later, "a").orElseThrow();
        lifecycle(true).failed(stale, "late failure", actions);
        lifecycle(true).succeeded(stale, actions);
        lifecycle(new PolicySettings(true, 0, 1, PoisonAction.DELETE, true, 0, OversizeAction.SKIP, 0, 0, 60_000))
                .failed(stale, "late poison", actions);
        assertThat(entry("a")).isEqualTo(fresh.entry()); // untouched: the new delivery decides
        assertThat(actions.deletes).isEmpty();
        assertThat(actions.deadLetters).isEmpty();
        assertThat(statistics.completed()).isZero();
        assertThat(statistics.failed()).isZero();
        later.succeeded(fresh, actions);
        assertThat(actions.deletes).containsExactly("a");
    }

    @Test
    void anExpiredClaimOfAPoisonMailOwesItsDeadLetterNotAnotherDelivery() throws Exception {
        PolicySettings dlq = new PolicySettings(true, 0, 1, PoisonAction.KEEP, true, 0, OversizeAction.SKIP, 0, 0,
                60_000);
        actions.whileSending = sending -> {
            throw new IllegalStateException("the JVM died");
        };
        Claim claim = claim(lifecycle(dlq), "a").orElseThrow();
        assertThatThrownBy(() -> lifecycle(dlq).failed(claim, "boom", actions)).hasMessage("the JVM died");
        // the JVM died while sending the dead letter; the claim expires
        MessageLifecycle later = lifecycle(dlq, "other", after(Duration.ofMinutes(2)));
        PollPlan plan = later.plan(snapshot("a"), LISTED);
        assertThat(plan.deliveries()).isEmpty();
        assertThat(plan.deadLetters()).extracting(Delivery::uid).containsExactly("a");
        assertThat(lifecycle(dlq, "me", after(Duration.ofMinutes(2))).plan(snapshot("a"), LISTED).deadLetters())
                .extracting(Delivery::uid).containsExactly("a");
    }

    @Test
    void aWindowClaimsOnlyWhatIsDeliverable() throws Exception {
        MessageLifecycle lifecycle = lifecycle(false);
        lifecycle.succeeded(claim(lifecycle, "done").orElseThrow(), actions);
        claim(lifecycle, "held").orElseThrow();
        MailboxSnapshot snapshot = snapshot("new", "done", "held", "other");
        Map<String, LedgerEntry> read = ledger.load(snapshot.uids(), clock.millis());
        List<Delivery> window = snapshot.distinctMails().stream().map(m -> new Delivery(m, read.get(m.uid()), false))
                .toList();
        List<Claim> claims = lifecycle.claim(window);
        assertThat(claims).extracting(Claim::uid).containsExactly("new", "other");
        assertThat(claims).allSatisfy(c -> assertThat(c.entry().state()).isEqualTo(MessageState.IN_FLIGHT));
        assertThat(entry("new").claimOwner()).isEqualTo("me");
        assertThat(entry("done").state()).isEqualTo(MessageState.DONE);
    }

    @Test
    void aMailChangedSinceThePlanReadItIsLeftToTheNextPoll() throws Exception {
        MessageLifecycle lifecycle = lifecycle(false);
        PollPlan plan = lifecycle.plan(snapshot("x", "y"), LISTED);
        lifecycle.succeeded(claim(lifecycle, "y").orElseThrow(), actions); // meanwhile
        assertThat(lifecycle.claim(plan.deliveries())).extracting(Claim::uid).containsExactly("x");
        assertThat(entry("y").state()).isEqualTo(MessageState.DONE);
    }

    @Test
    void whileThePollIsOpenCompletionsAreMadeDurableByItsBarrier() throws Exception {
        BarrierCountingLedger counting = new BarrierCountingLedger(ledger);
        MessageLifecycle keep = new MessageLifecycle(counting, PolicySettings.defaults(false), "me", clock, statistics);
        MessageLifecycle delete = new MessageLifecycle(counting, PolicySettings.defaults(true), "me", clock,
                statistics);
        keep.succeeded(claim(keep, "kept").orElseThrow(), actions);
        delete.succeeded(claim(delete, "deleted").orElseThrow(), actions);
        delete.failed(claim(delete, "failed").orElseThrow(), "boom", actions);
        assertThat(counting.writes).isNotEmpty().containsOnly(Durability.AT_BARRIER);
        assertThat(counting.barriers).isZero();
        assertThat(actions.deletes).containsExactly("deleted");
    }

    @Test
    void aDeleteThePollRefusesIsMadeDurableByTheLifeCycle() throws Exception {
        BarrierCountingLedger counting = new BarrierCountingLedger(ledger);
        MessageLifecycle delete = new MessageLifecycle(counting, PolicySettings.defaults(true), "me", clock,
                statistics);
        actions.deleteAccepted = false; // the poll is closing
        delete.succeeded(claim(delete, "a").orElseThrow(), actions);
        assertThat(counting.barriers).isEqualTo(1);
        assertThat(actions.deletes).containsExactly("a");
        assertThat(delete.plan(snapshot("a"), LISTED).owedDeletes()).containsExactly("a"); // the next poll sends it
    }

    @Test
    void afterThePollEndedTheLifeCycleMakesCompletionsDurableItself() throws Exception {
        BarrierCountingLedger counting = new BarrierCountingLedger(ledger);
        MessageLifecycle keep = new MessageLifecycle(counting, PolicySettings.defaults(false), "me", clock, statistics);
        MessageLifecycle delete = new MessageLifecycle(counting, PolicySettings.defaults(true), "me", clock,
                statistics);
        Claim kept = claim(keep, "kept").orElseThrow();
        Claim deleted = claim(delete, "deleted").orElseThrow();
        Claim failed = claim(delete, "failed").orElseThrow();
        actions.pollEnded();
        keep.succeeded(kept, actions);
        assertThat(counting.barriers).isEqualTo(1);
        delete.succeeded(deleted, actions);
        assertThat(counting.barriers).isEqualTo(2);
        delete.failed(failed, "boom", actions);
        assertThat(counting.barriers).isEqualTo(3);
        assertThat(delete.plan(snapshot("kept", "deleted", "failed"), LISTED).owedDeletes()).containsExactly("deleted");
    }

    /**
     * Checks that every transition the life cycle writes is what the SPI promises a ledger: one version step, so that
     * a store that counts versions itself agrees with the entries the life cycle goes on from.
     */
    private static final class OneVersionStepLedger extends ForwardingMailboxLedger {

        OneVersionStepLedger(MailboxLedger delegate) {
            super(delegate);
        }

        @Override
        public List<Transition> apply(List<Transition> transitions, Durability durability) throws IOException {
            for (Transition t : transitions) {
                if (t.to() != null) {
                    assertThat(t.to().version()).as("version written by %s", t).isEqualTo(t.expectedVersion() + 1);
                }
            }
            return super.apply(transitions, durability);
        }
    }

    /** Records how each write is to be made durable, and counts the barriers passed. */
    private static final class BarrierCountingLedger extends ForwardingMailboxLedger {
        final List<Durability> writes = new ArrayList<>();
        int barriers;

        BarrierCountingLedger(MailboxLedger delegate) {
            super(delegate);
        }

        @Override
        public List<Transition> apply(List<Transition> transitions, Durability durability) throws IOException {
            writes.add(durability);
            return super.apply(transitions, durability);
        }

        @Override
        public void awaitDurable() throws IOException {
            barriers++;
            super.awaitDurable();
        }
    }
}

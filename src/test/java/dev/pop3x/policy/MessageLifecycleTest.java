package dev.pop3x.policy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import dev.pop3x.ledger.InMemoryLedger;
import dev.pop3x.ledger.LedgerEntry;
import dev.pop3x.ledger.MailboxLedger;
import dev.pop3x.ledger.MessageState;
import dev.pop3x.policy.PollPlan.Delivery;
import dev.pop3x.protocol.ListEntry;
import dev.pop3x.protocol.UidlEntry;
import dev.pop3x.session.MailboxMessage;
import dev.pop3x.session.MailboxSnapshot;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The decisions of the life cycle, on an in-memory ledger; the Dovecot tests show them on a real server. */
class MessageLifecycleTest {

    private final MailboxLedger ledger = new InMemoryLedger().open("alice@h:995");
    private final Clock clock = Clock.fixed(Instant.ofEpochMilli(1_000_000_000), ZoneOffset.UTC);

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

    private MessageLifecycle lifecycle(PolicySettings settings) {
        return new MessageLifecycle(ledger, settings, "me", clock);
    }

    private MessageLifecycle lifecycle(boolean delete) {
        return lifecycle(PolicySettings.defaults(delete));
    }

    private static List<String> delivered(PollPlan plan) {
        return plan.deliveries().stream().map(d -> d.mail().uid()).toList();
    }

    @Test
    void newMailsAreDeliveredOldestFirstAndCappedByMaxMessages() throws Exception {
        PolicySettings two = new PolicySettings(true, 0, 3, PoisonAction.KEEP, false, 0, OversizeAction.SKIP, 2, 0, 60_000);
        PollPlan plan = lifecycle(two).plan(snapshot("a", "b", "c"));
        assertThat(delivered(plan)).containsExactly("a", "b");
        assertThat(plan.deliveries().get(1).mail().size()).isEqualTo(200);
        assertThat(plan.owedDeletes()).isEmpty();
    }

    @Test
    void maxBytesPerPollStopsOnceReachedButAlwaysTakesOne() throws Exception {
        PolicySettings bytes = new PolicySettings(true, 0, 3, PoisonAction.KEEP, false, 0, OversizeAction.SKIP, 0, 250, 60_000);
        assertThat(delivered(lifecycle(bytes).plan(snapshot("a", "b", "c", "d")))).containsExactly("a", "b");
        PolicySettings tiny = new PolicySettings(true, 0, 3, PoisonAction.KEEP, false, 0, OversizeAction.SKIP, 0, 1, 60_000);
        assertThat(delivered(lifecycle(tiny).plan(snapshot("a", "b")))).containsExactly("a");
    }

    @Test
    void copiesSharingOneUidlAreOneMail() throws Exception {
        MailboxSnapshot snapshot = snapshot("a", "x", "a");
        assertThat(delivered(lifecycle(true).plan(snapshot))).containsExactly("a", "x");
        assertThat(snapshot.numbersOf("a")).containsExactly(1, 3);
    }

    @Test
    void keepModeCompletionIsNeverDeliveredAgain() throws Exception {
        MessageLifecycle lifecycle = lifecycle(false);
        assertThat(lifecycle.succeeded(lifecycle.claim("a", false).orElseThrow(), false, false)).isEqualTo(Outcome.KEEP);
        assertThat(delivered(lifecycle.plan(snapshot("a", "b")))).containsExactly("b");
        assertThat(ledger.get("a").orElseThrow().completedAt()).isEqualTo(clock.millis());
    }

    @Test
    void deleteModeCompletionIsOwedUntilQuitConfirmsIt() throws Exception {
        MessageLifecycle lifecycle = lifecycle(true);
        assertThat(lifecycle.succeeded(lifecycle.claim("a", false).orElseThrow(), false, false)).isEqualTo(Outcome.DELETE);
        PollPlan next = lifecycle.plan(snapshot("a"));
        assertThat(next.owedDeletes()).containsExactly("a");
        assertThat(next.deliveries()).isEmpty();
        lifecycle.deleted(List.of("a"));
        assertThat(ledger.entries()).isEmpty();
    }

    @Test
    void failureCountsAnAttemptAndDeliversAgainUntilPoison() throws Exception {
        MessageLifecycle lifecycle = lifecycle(true);
        for (int attempt = 1; attempt <= 2; attempt++) {
            MessageLifecycle.Claim claim = lifecycle.claim("a", false).orElseThrow();
            assertThat(claim.attempt()).isEqualTo(attempt);
            assertThat(lifecycle.failed(claim, "boom " + attempt, false)).isEqualTo(Outcome.RETRY);
            assertThat(delivered(lifecycle.plan(snapshot("a")))).containsExactly("a");
        }
        assertThat(lifecycle.failed(lifecycle.claim("a", false).orElseThrow(), "boom 3", false)).isEqualTo(Outcome.KEEP); // poison, kept: no dead letter configured
        assertThat(ledger.get("a").orElseThrow().state()).isEqualTo(MessageState.POISON);
        assertThat(ledger.get("a").orElseThrow().lastError()).isEqualTo("boom 3");
        assertThat(lifecycle.plan(snapshot("a")).deliveries()).isEmpty();
    }

    @Test
    void aReleasedPoisonMailIsDeliveredAgainWithFreshAttemptsAndIsCounted() throws Exception {
        MessageLifecycle lifecycle = lifecycle(new PolicySettings(true, 0, 1, PoisonAction.KEEP, false, 0, OversizeAction.SKIP,
                0, 0, 60_000));
        lifecycle.succeeded(lifecycle.claim("good", false).orElseThrow(), false, false);
        lifecycle.failed(lifecycle.claim("bad", false).orElseThrow(), "boom", false);
        assertThat(lifecycle.poisonMails()).extracting(LedgerEntry::uid).containsExactly("bad");
        assertThat(lifecycle.retryPoison("good")).isFalse(); // not poison: left alone
        assertThat(lifecycle.retryPoison("unknown")).isFalse();

        assertThat(lifecycle.retryPoison("bad")).isTrue();
        assertThat(lifecycle.poisonMails()).isEmpty();
        assertThat(lifecycle.retryPoison("bad")).isFalse();
        assertThat(delivered(lifecycle.plan(snapshot("good", "bad")))).containsExactly("bad");
        MessageLifecycle.Claim again = lifecycle.claim("bad", false).orElseThrow();
        assertThat(again.attempt()).isEqualTo(1);
        assertThat(lifecycle.failed(again, "boom again", false)).isEqualTo(Outcome.KEEP); // maxAttempts=1: poison again

        MailboxStatistics counted = lifecycle.statistics();
        assertThat(counted.completed()).isEqualTo(1);
        assertThat(counted.failed()).isEqualTo(2);
        assertThat(counted.poisoned()).isEqualTo(2);
        lifecycle.deleted(List.of("good"));
        assertThat(counted.deleted()).isEqualTo(1);
        assertThat(lifecycle.ledgerEntries()).isEqualTo(1);
    }

    @Test
    void aPoisonMailWhoseDeadLetterIsBeingSentCannotBeReleased() throws Exception {
        MessageLifecycle lifecycle = lifecycle(new PolicySettings(true, 0, 1, PoisonAction.KEEP, true, 0, OversizeAction.SKIP,
                0, 0, 60_000));
        assertThat(lifecycle.failed(lifecycle.claim("a", false).orElseThrow(), "boom", false)).isEqualTo(Outcome.DEAD_LETTER);
        assertThat(lifecycle.retryPoison("a")).isFalse(); // claimed for the dead letter right now
        lifecycle.deadLetterFailed("a");
        assertThat(lifecycle.poisonMails()).extracting(LedgerEntry::uid).containsExactly("a"); // its dead letter is owed
        assertThat(lifecycle.retryPoison("a")).isTrue();
        assertThat(lifecycle.plan(snapshot("a")).deadLetters()).isEmpty();
        assertThat(delivered(lifecycle.plan(snapshot("a")))).containsExactly("a");
    }

    @Test
    void maxAttemptsZeroRetriesForever() throws Exception {
        MessageLifecycle lifecycle = lifecycle(new PolicySettings(true, 0, 0, PoisonAction.KEEP, false, 0, OversizeAction.SKIP,
                0, 0, 60_000));
        for (int i = 0; i < 20; i++) {
            assertThat(lifecycle.failed(lifecycle.claim("a", false).orElseThrow(), "boom", false)).isEqualTo(Outcome.RETRY);
        }
    }

    @Test
    void poisonWithADeadLetterEndpointIsDeadLetteredThenPoisonActionApplies() throws Exception {
        MessageLifecycle lifecycle = lifecycle(new PolicySettings(true, 0, 1, PoisonAction.DELETE, true, 0, OversizeAction.SKIP,
                0, 0, 60_000));
        assertThat(lifecycle.failed(lifecycle.claim("a", false).orElseThrow(), "boom", false)).isEqualTo(Outcome.DEAD_LETTER);
        // while the dead letter is being sent the mail stays claimed: no poll sends it a second time
        assertThat(lifecycle.plan(snapshot("a")).deadLetters()).isEmpty();
        assertThat(lifecycle.claim("a", true)).isEmpty();
        // the dead letter endpoint refused it: the next poll owes it, it is not delivered to the route
        lifecycle.deadLetterFailed("a");
        PollPlan owed = lifecycle.plan(snapshot("a"));
        assertThat(owed.deliveries()).isEmpty();
        assertThat(owed.deadLetters()).extracting(MailboxMessage::uid).containsExactly("a");
        assertThat(lifecycle.claim("a", false)).isEmpty();
        assertThat(lifecycle.claim("a", true)).isPresent();
        assertThat(lifecycle.poisoned("a")).isEqualTo(Outcome.DELETE);
        assertThat(lifecycle.plan(snapshot("a")).owedDeletes()).containsExactly("a");
    }

    @Test
    void retentionDeletesKeptMailsOnceDue() throws Exception {
        PolicySettings keep14d = new PolicySettings(false, Duration.ofDays(14).toMillis(), 3, PoisonAction.KEEP, false, 0,
                OversizeAction.SKIP, 0, 0, 60_000);
        lifecycle(keep14d).succeeded(lifecycle(keep14d).claim("a", false).orElseThrow(), false, false);
        assertThat(lifecycle(keep14d).plan(snapshot("a")).owedDeletes()).isEmpty();
        MessageLifecycle later = new MessageLifecycle(ledger, keep14d, "me", Clock.offset(clock, Duration.ofDays(14)));
        assertThat(later.plan(snapshot("a")).owedDeletes()).containsExactly("a");
    }

    @Test
    void oversizeMailsAreSkippedDeletedOrDeliveredAsHeaders() throws Exception {
        MailboxSnapshot snapshot = snapshot("small", "big");
        PollPlan skip = lifecycle(new PolicySettings(true, 0, 3, PoisonAction.KEEP, false, 150, OversizeAction.SKIP, 0, 0,
                60_000)).plan(snapshot);
        assertThat(delivered(skip)).containsExactly("small");
        assertThat(skip.owedDeletes()).isEmpty();
        PollPlan delete = lifecycle(new PolicySettings(true, 0, 3, PoisonAction.KEEP, false, 150, OversizeAction.DELETE, 0, 0,
                60_000)).plan(snapshot);
        assertThat(delivered(delete)).containsExactly("small");
        assertThat(delete.owedDeletes()).containsExactly("big");
        MessageLifecycle headers = lifecycle(new PolicySettings(true, 0, 3, PoisonAction.KEEP, false, 150,
                OversizeAction.HEADERS, 0, 0, 60_000));
        assertThat(headers.plan(snapshot).deliveries()).containsExactly(
                new Delivery(snapshot.messages().get(0), false), new Delivery(snapshot.messages().get(1), true));
        // a truncated delivery completes the mail but never deletes it, even with delete=true
        assertThat(headers.succeeded(headers.claim("big", false).orElseThrow(), true, false)).isEqualTo(Outcome.KEEP);
        assertThat(headers.plan(snapshot).owedDeletes()).isEmpty();
    }

    @Test
    void aMailInFlightIsNotClaimedTwiceUntilItsClaimExpires() throws Exception {
        MessageLifecycle lifecycle = lifecycle(true);
        assertThat(lifecycle.claim("a", false)).isPresent();
        assertThat(lifecycle.claim("a", false)).isEmpty();
        assertThat(lifecycle.plan(snapshot("a")).deliveries()).isEmpty();
        MessageLifecycle later = new MessageLifecycle(ledger, PolicySettings.defaults(true), "other",
                Clock.offset(clock, Duration.ofMinutes(31)));
        assertThat(later.claim("a", false)).isPresent();
    }

    @Test
    void releaseRestoresTheEntryBeforeTheClaim() throws Exception {
        MessageLifecycle lifecycle = lifecycle(true);
        lifecycle.failed(lifecycle.claim("a", false).orElseThrow(), "boom", false);
        LedgerEntry afterFailure = ledger.get("a").orElseThrow();
        lifecycle.release(lifecycle.claim("a", false).orElseThrow());
        assertThat(ledger.get("a").orElseThrow()).isEqualTo(afterFailure);
        lifecycle.release(lifecycle.claim("b", false).orElseThrow());
        assertThat(ledger.get("b")).isEmpty();
    }

    @Test
    void mailsGoneFromTheServerArePruned() throws Exception {
        MessageLifecycle lifecycle = lifecycle(false);
        lifecycle.succeeded(lifecycle.claim("a", false).orElseThrow(), false, false);
        lifecycle.plan(snapshot("b"));
        assertThat(ledger.get("a")).isEmpty();
    }

    @Test
    void aCompletionWhoseClaimExpiredAndWasTakenAgainIsIgnored() throws Exception {
        MessageLifecycle.Claim stale = lifecycle(true).claim("a", false).orElseThrow();
        MessageLifecycle later = new MessageLifecycle(ledger, PolicySettings.defaults(true), "other",
                Clock.offset(clock, Duration.ofMinutes(31)));
        MessageLifecycle.Claim fresh = later.claim("a", false).orElseThrow();
        assertThat(lifecycle(true).failed(stale, "late failure", false)).isEqualTo(Outcome.RETRY);
        assertThat(ledger.get("a").orElseThrow()).isEqualTo(fresh.entry()); // untouched: the new delivery decides
        assertThat(later.succeeded(fresh, false, false)).isEqualTo(Outcome.DELETE);
    }

    @Test
    void anExpiredClaimOfAPoisonMailOwesItsDeadLetterNotAnotherDelivery() throws Exception {
        PolicySettings dlq = new PolicySettings(true, 0, 1, PoisonAction.KEEP, true, 0, OversizeAction.SKIP, 0, 0, 60_000);
        assertThat(lifecycle(dlq).failed(lifecycle(dlq).claim("a", false).orElseThrow(), "boom", false))
                .isEqualTo(Outcome.DEAD_LETTER);
        // the JVM died while sending the dead letter; the claim expires
        MessageLifecycle later = new MessageLifecycle(ledger, dlq, "other", Clock.offset(clock, Duration.ofMinutes(2)));
        PollPlan plan = later.plan(snapshot("a"));
        assertThat(plan.deliveries()).isEmpty();
        assertThat(plan.deadLetters()).extracting(MailboxMessage::uid).containsExactly("a");
    }

    @Test
    void claimAllClaimsOnlyWhatIsDeliverable() throws Exception {
        MessageLifecycle lifecycle = lifecycle(false);
        lifecycle.succeeded(lifecycle.claim("done", false).orElseThrow(), false, false);
        lifecycle.claim("held", false).orElseThrow();
        List<MessageLifecycle.Claim> claims = lifecycle.claimAll(List.of("new", "done", "held", "other"));
        assertThat(claims).extracting(c -> c.entry().uid()).containsExactly("new", "other");
        assertThat(claims).allSatisfy(c -> assertThat(c.entry().state()).isEqualTo(MessageState.IN_FLIGHT));
    }
}

package dev.pop3x.policy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import dev.pop3x.ledger.InMemoryLedger;
import dev.pop3x.ledger.LedgerEntry;
import dev.pop3x.ledger.MailboxLedger;
import dev.pop3x.ledger.MessageState;
import dev.pop3x.protocol.ListEntry;
import dev.pop3x.protocol.UidlEntry;
import dev.pop3x.session.MailboxMessage;
import dev.pop3x.session.MailboxSnapshot;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MessageLifecycleTest {

    private final MailboxLedger ledger = new InMemoryLedger().open("alice@h:995");
    private final Clock clock = Clock.fixed(Instant.ofEpochMilli(1_000_000), ZoneOffset.UTC);

    private static MailboxSnapshot snapshot(String... uids) {
        List<UidlEntry> uidl = new java.util.ArrayList<>();
        List<ListEntry> list = new java.util.ArrayList<>();
        for (int i = 0; i < uids.length; i++) {
            uidl.add(new UidlEntry(i + 1, uids[i]));
            list.add(new ListEntry(i + 1, 100L * (i + 1)));
        }
        return new MailboxSnapshot(uidl, list);
    }

    private MessageLifecycle lifecycle(boolean delete) {
        return new MessageLifecycle(ledger, delete, 60_000, "me", clock);
    }

    private static List<String> uids(List<MailboxMessage> mails) {
        return mails.stream().map(MailboxMessage::uid).toList();
    }

    @Test
    void newMailsAreCandidatesOldestFirstAndCappedByMaxMessages() throws Exception {
        PollPlan plan = lifecycle(true).plan(snapshot("a", "b", "c"), 2);
        assertThat(uids(plan.candidates())).containsExactly("a", "b");
        assertThat(plan.candidates().get(1).size()).isEqualTo(200);
        assertThat(plan.owedDeletes()).isEmpty();
    }

    @Test
    void copiesSharingOneUidlAreOneMail() throws Exception {
        MailboxSnapshot snapshot = snapshot("a", "x", "a");
        assertThat(uids(lifecycle(true).plan(snapshot, 0).candidates())).containsExactly("a", "x");
        assertThat(snapshot.numbersOf("a")).containsExactly(1, 3);
    }

    @Test
    void keepModeCompletionIsNeverDeliveredAgain() throws Exception {
        MessageLifecycle lifecycle = lifecycle(false);
        lifecycle.claim("a").orElseThrow();
        assertThat(lifecycle.succeeded("a")).isEqualTo(Outcome.KEEP);
        assertThat(lifecycle.plan(snapshot("a", "b"), 0).candidates()).extracting(MailboxMessage::uid).containsExactly("b");
        assertThat(ledger.get("a").orElseThrow().completedAt()).isEqualTo(1_000_000);
    }

    @Test
    void deleteModeCompletionIsOwedUntilQuitConfirmsIt() throws Exception {
        MessageLifecycle lifecycle = lifecycle(true);
        lifecycle.claim("a").orElseThrow();
        assertThat(lifecycle.succeeded("a")).isEqualTo(Outcome.DELETE);
        PollPlan next = lifecycle.plan(snapshot("a"), 0);
        assertThat(next.owedDeletes()).containsExactly("a");
        assertThat(next.candidates()).isEmpty();
        lifecycle.deleted(List.of("a"));
        assertThat(ledger.entries()).isEmpty();
    }

    @Test
    void failureCountsAnAttemptAndDeliversAgain() throws Exception {
        MessageLifecycle lifecycle = lifecycle(true);
        lifecycle.claim("a").orElseThrow();
        assertThat(lifecycle.failed("a")).isEqualTo(Outcome.RETRY);
        assertThat(uids(lifecycle.plan(snapshot("a"), 0).candidates())).containsExactly("a");
        assertThat(lifecycle.claim("a").orElseThrow().attempt()).isEqualTo(2);
    }

    @Test
    void aMailInFlightIsNotClaimedTwiceUntilItsClaimExpires() throws Exception {
        MessageLifecycle lifecycle = lifecycle(true);
        assertThat(lifecycle.claim("a")).isPresent();
        assertThat(lifecycle.claim("a")).isEmpty();
        assertThat(lifecycle.plan(snapshot("a"), 0).candidates()).isEmpty();
        MessageLifecycle later = new MessageLifecycle(ledger, true, 60_000, "other",
                Clock.offset(clock, java.time.Duration.ofMinutes(2)));
        assertThat(later.claim("a")).isPresent();
    }

    @Test
    void releaseRestoresTheEntryBeforeTheClaim() throws Exception {
        MessageLifecycle lifecycle = lifecycle(true);
        lifecycle.claim("a").orElseThrow();
        lifecycle.failed("a");
        LedgerEntry afterFailure = ledger.get("a").orElseThrow();
        lifecycle.release(lifecycle.claim("a").orElseThrow());
        assertThat(ledger.get("a").orElseThrow()).isEqualTo(afterFailure);
        lifecycle.release(lifecycle.claim("b").orElseThrow());
        assertThat(ledger.get("b")).isEmpty();
    }

    @Test
    void mailsGoneFromTheServerArePruned() throws Exception {
        MessageLifecycle lifecycle = lifecycle(false);
        lifecycle.claim("a").orElseThrow();
        lifecycle.succeeded("a");
        lifecycle.plan(snapshot("b"), 0);
        assertThat(ledger.get("a")).isEmpty();
        assertThat(ledger.entries().values()).noneMatch(e -> e.state() == MessageState.DONE);
    }
}

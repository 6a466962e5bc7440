package dev.pop3x.ledger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What every {@link Ledger} must do, as the life cycle relies on it. A subclass gives the store; every call of
 * {@link #ledger()} within one test must reach the same store, as a restarted consumer would.
 */
abstract class MailboxLedgerContract {

    static final String MAILBOX = "alice@mail.example.com:995";

    /** The store under test, empty at the start of each test. */
    protected abstract Ledger ledger();

    /**
     * True for a store shared by several nodes: an open takes a held mailbox over and fences the holder, instead of
     * being refused (which node may poll is decided by leadership, not by the store).
     */
    protected boolean takesOverAHeldMailbox() {
        return false;
    }

    static LedgerEntry create(MailboxLedger m, String uid) throws Exception {
        LedgerEntry e = LedgerEntry.claimedFirst(uid, "me", 1000);
        assertThat(m.apply(List.of(new Transition(null, e)), Durability.NOW)).hasSize(1);
        return e;
    }

    static LedgerEntry change(MailboxLedger m, LedgerEntry from, LedgerEntry to) throws Exception {
        assertThat(m.apply(List.of(new Transition(from, to)), Durability.NOW)).hasSize(1);
        return to;
    }

    @Test
    void loadReturnsTheKnownEntriesOfTheGivenUidls() throws Exception {
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            LedgerEntry a = create(m, "a");
            create(m, "b");
            assertThat(m.load(List.of("a", "unknown"), 10)).isEqualTo(Map.of("a", a));
        }
    }

    @Test
    void entriesTheirVersionsAndClaimsSurviveReopen() throws Exception {
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            LedgerEntry done = create(m, "done");
            change(m, done, done.completed(MessageState.DONE, 2000));
            LedgerEntry failed = create(m, "failed");
            change(m, failed, failed.failed("java.lang.IllegalStateException: no\tway\nout"));
            LedgerEntry owed = create(m, "owed");
            change(m, owed, owed.failed("boom").withState(MessageState.DEAD_LETTER_OWED));
            LedgerEntry gone = create(m, "gone");
            change(m, gone, null);
            create(m, "claimed");
        }
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            Map<String, LedgerEntry> all = m.load(List.of("done", "failed", "owed", "gone", "claimed"), 10);
            assertThat(all).containsOnlyKeys("done", "failed", "owed", "claimed");
            assertThat(all.get("done")).isEqualTo(
                    new LedgerEntry("done", MessageState.DONE, 0, 1000, 2000, null, 0, null, 2));
            // failure texts are kept on one line
            assertThat(all.get("failed")).isEqualTo(new LedgerEntry("failed", MessageState.FAILED, 1, 1000, 0, null,
                    0, "java.lang.IllegalStateException: no way out", 2));
            assertThat(all.get("owed")).isEqualTo(
                    new LedgerEntry("owed", MessageState.DEAD_LETTER_OWED, 1, 1000, 0, null, 0, "boom", 3));
            // the ledger keeps a claim as it is: what a claim of an earlier owner means is the life cycle's decision
            assertThat(all.get("claimed")).isEqualTo(LedgerEntry.claimedFirst("claimed", "me", 1000));
        }
    }

    @Test
    void aTransitionAppliesOnlyToTheVersionItWasComputedFrom() throws Exception {
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            LedgerEntry claimed = create(m, "a");
            LedgerEntry done = change(m, claimed, claimed.completed(MessageState.DONE, 2000));

            assertThat(m.apply(List.of(new Transition(claimed, claimed.failed("late"))), Durability.NOW)).isEmpty();
            assertThat(m.apply(List.of(new Transition(claimed, null)), Durability.NOW)).isEmpty();
            assertThat(m.load(List.of("a"), 10)).containsEntry("a", done);
        }
    }

    @Test
    void aTransitionFromAForgottenEntryDoesNotApplyToTheMailClaimedAgain() throws Exception {
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            LedgerEntry byA = LedgerEntry.claimedFirst("a", "node-a/1", 1000);
            m.apply(List.of(new Transition(null, byA)), Durability.NOW);
            change(m, byA, null); // deleted on the server, or pruned
            LedgerEntry byB = LedgerEntry.claimedFirst("a", "node-b/2", 2000); // version 1 again
            m.apply(List.of(new Transition(null, byB)), Durability.NOW);

            assertThat(m.apply(List.of(new Transition(byA, byA.completed(MessageState.DONE, 3000))), Durability.NOW))
                    .isEmpty();
            assertThat(m.load(List.of("a"), 10)).containsEntry("a", byB);
        }
    }

    @Test
    void aNewEntryIsCreatedOnlyWhenTheMailIsUnknown() throws Exception {
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            LedgerEntry mine = create(m, "a");
            Transition other = new Transition(null, LedgerEntry.claimedFirst("a", "other", 1500));
            assertThat(m.apply(List.of(other), Durability.NOW)).isEmpty();
            assertThat(m.load(List.of("a"), 10)).containsEntry("a", mine);
        }
    }

    @Test
    void aRemovalForgetsTheMail() throws Exception {
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            LedgerEntry a = create(m, "a");
            change(m, a, null);
            assertThat(m.size()).isZero();
            assertThat(m.load(List.of("a"), 10)).isEmpty();
            create(m, "a"); // unknown again: may be created anew
        }
    }

    @Test
    void eachTransitionOfAListIsCheckedOnItsOwnAfterTheOnesBeforeIt() throws Exception {
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            LedgerEntry a = create(m, "a");
            LedgerEntry b = create(m, "b");
            LedgerEntry bNow = change(m, b, b.failed("first"));
            LedgerEntry aDone = a.completed(MessageState.DONE, 2000);
            Transition completeA = new Transition(a, aDone);
            Transition staleB = new Transition(b, b.completed(MessageState.DONE, 2000));
            Transition newC = new Transition(null, LedgerEntry.claimedFirst("c", "me", 1000));
            Transition deleteA = new Transition(aDone, aDone.withState(MessageState.DELETE_PENDING));
            Transition staleA = new Transition(a, a.failed("stale"));

            assertThat(m.apply(List.of(completeA, staleB, newC, deleteA, staleA), Durability.NOW))
                    .containsExactly(completeA, newC, deleteA);
            assertThat(m.load(List.of("a", "b", "c"), 10)).containsEntry("a", deleteA.to()).containsEntry("b", bNow)
                    .containsEntry("c", newC.to());
        }
    }

    @Test
    void writesAtTheBarrierAreVisibleAtOnceAndDurableAfterIt() throws Exception {
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            LedgerEntry a = LedgerEntry.claimedFirst("a", "me", 1000);
            LedgerEntry b = LedgerEntry.claimedFirst("b", "me", 1000);
            m.apply(List.of(new Transition(null, a)), Durability.AT_BARRIER);
            m.apply(List.of(new Transition(null, b), new Transition(a, a.completed(MessageState.DONE, 2000))),
                    Durability.AT_BARRIER);
            assertThat(m.load(List.of("a", "b"), 10)).containsOnlyKeys("a", "b");
            m.awaitDurable();
            m.awaitDurable(); // nothing left to do
        }
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            assertThat(m.load(List.of("a", "b"), 10).get("a").state()).isEqualTo(MessageState.DONE);
        }
    }

    @Test
    void aSecondOpenIsRefusedWhileTheMailboxIsHeld() throws Exception {
        assumeFalse(takesOverAHeldMailbox(), "this store takes a held mailbox over");
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            assertThatThrownBy(() -> ledger().open(MAILBOX)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(MAILBOX).hasMessageContaining("in use");
            create(m, "a"); // the holder is not disturbed by the refused open
        }
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            assertThat(m.size()).isEqualTo(1);
        }
    }

    @Test
    void aSecondOpenTakesTheMailboxOverAndFencesTheHolder() throws Exception {
        assumeTrue(takesOverAHeldMailbox(), "this store refuses to open a held mailbox");
        try (MailboxLedger first = ledger().open(MAILBOX)) {
            LedgerEntry a = create(first, "a");
            LedgerEntry b = LedgerEntry.claimedFirst("b", "me", 1000);
            first.apply(List.of(new Transition(null, b)), Durability.AT_BARRIER);
            try (MailboxLedger second = ledger().open(MAILBOX)) {
                assertThat(second.fencingToken()).isGreaterThan(first.fencingToken());
                assertThatThrownBy(() -> first.apply(
                        List.of(new Transition(a, a.completed(MessageState.DONE, 2000)),
                                new Transition(null, LedgerEntry.claimedFirst("c", "me", 1000))),
                        Durability.NOW)).isInstanceOf(LedgerFencedException.class).hasMessageContaining(MAILBOX);
                assertThatThrownBy(() -> first.prune(Long.MAX_VALUE)).isInstanceOf(LedgerFencedException.class);
                assertThatThrownBy(first::awaitDurable).isInstanceOf(LedgerFencedException.class);
                // nothing of the refused writes, everything written before the takeover
                assertThat(second.load(List.of("a", "b", "c"), 10)).containsOnlyKeys("a", "b").containsEntry("a", a)
                        .containsEntry("b", b);
                create(second, "c");
            }
        }
    }

    @Test
    void afterCloseTheOldHolderIsFencedAndTheTokenGrows() throws Exception {
        MailboxLedger first = ledger().open(MAILBOX);
        LedgerEntry a = create(first, "a");
        first.close();
        assertThatThrownBy(() -> first.apply(List.of(new Transition(a, null)), Durability.NOW))
                .isInstanceOf(LedgerFencedException.class).hasMessageContaining(MAILBOX);
        try (MailboxLedger second = ledger().open(MAILBOX)) {
            assertThat(second.fencingToken()).isGreaterThan(first.fencingToken());
            assertThatThrownBy(
                    () -> first.apply(List.of(new Transition(null, LedgerEntry.claimedFirst("b", "me", 1))),
                            Durability.AT_BARRIER))
                    .isInstanceOf(LedgerFencedException.class);
            assertThatThrownBy(() -> first.prune(Long.MAX_VALUE)).isInstanceOf(LedgerFencedException.class);
            first.close(); // closing a fenced holder again takes nothing from the new one
            create(second, "c");
            assertThat(second.load(List.of("a", "b", "c"), 10)).containsOnlyKeys("a", "c");
        }
        try (MailboxLedger third = ledger().open(MAILBOX)) {
            assertThat(third.size()).isEqualTo(2);
        }
    }

    @Test
    void pruneForgetsWhatWasNotSeenSince() throws Exception {
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            create(m, "a");
            create(m, "b");
            create(m, "c");
            m.load(List.of("a", "b"), 100);
            assertThat(m.prune(100)).isEqualTo(1);
            assertThat(m.load(List.of("a", "b", "c"), 100)).containsOnlyKeys("a", "b");

            m.load(List.of("a"), 200);
            create(m, "d"); // created after the load at 200: seen at 200
            assertThat(m.prune(200)).isEqualTo(1);
            assertThat(m.prune(200)).isZero();
            assertThat(m.size()).isEqualTo(2);
        }
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            assertThat(m.load(List.of("a", "b", "c", "d"), 300)).containsOnlyKeys("a", "d");
        }
    }

    @Test
    void aLoadWithAnOlderClockReadingDoesNotMakeAMailSeenEarlier() throws Exception {
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            create(m, "a");
            create(m, "b");
            m.load(List.of("a", "b"), 200); // the poll
            m.load(List.of("a"), 100); // another thread, whose reading of the clock was taken before the poll's
            assertThat(m.prune(150)).isZero();
            assertThat(m.size()).isEqualTo(2);
        }
    }

    @Test
    void pruneAfterTheFirstLoadOfAnOpenForgetsExactlyWhatThatLoadDidNotSee() throws Exception {
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            create(m, "a");
            create(m, "b");
            create(m, "c");
        }
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            m.load(List.of("a", "c", "new"), 5000);
            assertThat(m.prune(5000)).isEqualTo(1);
        }
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            assertThat(m.load(List.of("a", "b", "c"), 6000)).containsOnlyKeys("a", "c");
        }
    }

    @Test
    void findReturnsTheEntriesInTheGivenStates() throws Exception {
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            LedgerEntry poison = create(m, "poison");
            poison = change(m, poison, poison.failed("boom").withState(MessageState.POISON));
            LedgerEntry owed = create(m, "owed");
            owed = change(m, owed, owed.failed("boom").withState(MessageState.DEAD_LETTER_OWED));
            LedgerEntry done = create(m, "done");
            change(m, done, done.completed(MessageState.DONE, 2000));

            assertThat(m.find(Set.of(MessageState.POISON, MessageState.DEAD_LETTER_OWED)))
                    .containsExactlyInAnyOrder(poison, owed);
            assertThat(m.find(Set.of(MessageState.FAILED))).isEmpty();
            assertThat(m.size()).isEqualTo(3);
        }
    }

    @Test
    void concurrentAppliesWhileTheBarrierRunsOnAnotherThreadLoseNothing() throws Exception {
        int threads = 4;
        int perThread = 150;
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            pool.submit(() -> {
                while (writing.get()) {
                    try {
                        m.awaitDurable();
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }
            });
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                writers.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        LedgerEntry e = LedgerEntry.claimedFirst("t" + thread + "-" + i, "me", i);
                        m.apply(List.of(new Transition(null, e)), Durability.AT_BARRIER);
                        m.apply(List.of(new Transition(e, e.completed(MessageState.DONE, i))),
                                i % 10 == 0 ? Durability.NOW : Durability.AT_BARRIER);
                    }
                    return null;
                }));
            }
            for (Future<?> writer : writers) {
                writer.get(30, TimeUnit.SECONDS);
            }
            writing.set(false);
            m.awaitDurable();
        } finally {
            writing.set(false);
            pool.shutdown();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(failures).isEmpty();
        List<String> uids = IntStream.range(0, threads)
                .boxed().flatMap(t -> IntStream.range(0, perThread).mapToObj(i -> "t" + t + "-" + i)).toList();
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            Map<String, LedgerEntry> all = m.load(uids, 10);
            assertThat(all).hasSize(threads * perThread);
            assertThat(all.values()).allSatisfy(e -> {
                assertThat(e.state()).isEqualTo(MessageState.DONE);
                assertThat(e.version()).isEqualTo(2);
            });
        }
    }
}

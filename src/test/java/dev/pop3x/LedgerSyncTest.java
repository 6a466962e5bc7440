package dev.pop3x;

import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.pop3x.ledger.InMemoryLedger;
import dev.pop3x.ledger.MailboxLedger;
import dev.pop3x.policy.MailboxStatistics;
import dev.pop3x.policy.MessageLifecycle;
import dev.pop3x.policy.PolicySettings;
import dev.pop3x.testsupport.ForwardingMailboxLedger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A delete leaves only once a sync that started after its completion was offered has finished. */
class LedgerSyncTest {

    private final ExecutorService background = Executors.newSingleThreadExecutor();
    private final SlowSyncLedger ledger = new SlowSyncLedger(new InMemoryLedger().open("test"));
    private final MessageLifecycle lifecycle = new MessageLifecycle(ledger, PolicySettings.defaults(true), "me",
            Clock.systemUTC(), new MailboxStatistics());

    @AfterEach
    void stop() {
        ledger.release.countDown();
        background.shutdownNow();
    }

    @Test
    void inTheBackgroundDeletesWaitForTheSyncThatCoversThem() throws Exception {
        LedgerSync sync = new LedgerSync(lifecycle, background);
        PendingDeletes pending = new PendingDeletes();
        pending.offer("a");
        pending.offer("b");

        assertThat(sync.durableDeletes(pending)).isEmpty(); // a sync covering a and b has just started
        await().atMost(5, TimeUnit.SECONDS).until(() -> ledger.syncsStarted.get() == 1);
        pending.offer("c");
        assertThat(sync.durableDeletes(pending)).isEmpty(); // still syncing: nothing may leave

        ledger.release.countDown();
        await().atMost(5, TimeUnit.SECONDS).until(() -> ledger.syncsFinished.get() == 1);
        assertThat(sync.durableDeletes(pending)).containsExactly("a", "b"); // c waits for the sync started now
        await().atMost(5, TimeUnit.SECONDS).until(() -> ledger.syncsFinished.get() == 2);
        assertThat(sync.syncAll(pending)).containsExactly("c");
        assertThat(ledger.syncsFinished.get()).isEqualTo(3); // before QUIT the poll thread syncs once more itself
    }

    @Test
    void withoutABackgroundThreadEveryDeleteIsSyncedBeforeItIsHandedOut() throws Exception {
        ledger.release.countDown();
        LedgerSync sync = new LedgerSync(lifecycle, null);
        PendingDeletes pending = new PendingDeletes();
        pending.offer("a");
        assertThat(sync.durableDeletes(pending)).containsExactly("a");
        assertThat(ledger.syncsFinished.get()).isEqualTo(1);
    }

    /** Counts syncs; the first one waits until released. */
    private static final class SlowSyncLedger extends ForwardingMailboxLedger {
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger syncsStarted = new AtomicInteger();
        final AtomicInteger syncsFinished = new AtomicInteger();

        SlowSyncLedger(MailboxLedger delegate) {
            super(delegate);
        }

        @Override
        public void awaitDurable() {
            syncsStarted.incrementAndGet();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            syncsFinished.incrementAndGet();
        }
    }
}

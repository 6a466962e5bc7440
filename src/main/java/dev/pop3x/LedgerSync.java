package dev.pop3x;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

import dev.pop3x.policy.MessageLifecycle;

/**
 * When a poll's deletes may go to the server: only once the completions behind them are durable in the ledger. With a
 * pipelined session the ledger syncs in the background while the poll goes on routing, and the deletes a sync covers
 * go out with the next window (one window later than a sync on the poll thread would send them, without waiting for
 * the disk). Otherwise, and always before QUIT, the poll thread syncs itself. Used by one thread at a time (the poll
 * thread, or its DownloadAhead reader while that runs).
 */
final class LedgerSync {

    private final MessageLifecycle lifecycle;
    private final ExecutorService background; // null: sync on the poll thread
    private Future<?> running;
    private List<String> coveredByRunning = List.of();

    LedgerSync(MessageLifecycle lifecycle, ExecutorService background) {
        this.lifecycle = lifecycle;
        this.background = background;
    }

    /** The deletes that may be sent now; starts the next sync (drained first: a completion is written before it is offered). */
    List<String> durableDeletes(PendingDeletes pending) throws IOException {
        if (background == null) {
            return syncAll(pending);
        }
        if (running != null && !running.isDone()) {
            return List.of(); // the disk is still busy: these go with a later window
        }
        List<String> durable = finishRunning();
        coveredByRunning = pending.drainAll();
        running = background.submit(() -> {
            lifecycle.awaitDurable();
            return null;
        });
        return durable;
    }

    /** Every pending delete, once the ledger is durable up to now: before QUIT. */
    List<String> syncAll(PendingDeletes pending) throws IOException {
        List<String> durable = new ArrayList<>(finishRunning());
        List<String> rest = pending.drainAll();
        lifecycle.awaitDurable();
        durable.addAll(rest);
        return durable;
    }

    /** Waits for a background sync still running (the poll ends); what it covered is left to the next poll. */
    void awaitQuietly() {
        try {
            finishRunning();
        } catch (IOException | RuntimeException e) {
            // the poll is ending anyway; those mails stay delete-pending in the ledger
        }
    }

    private List<String> finishRunning() throws IOException {
        if (running == null) {
            return List.of();
        }
        Future<?> done = running;
        List<String> covered = coveredByRunning;
        running = null;
        coveredByRunning = List.of();
        try {
            done.get();
            return covered;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the ledger was syncing", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException("ledger sync failed", e.getCause());
        }
    }
}

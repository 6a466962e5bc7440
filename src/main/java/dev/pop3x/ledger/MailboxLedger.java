package dev.pop3x.ledger;

import java.io.Closeable;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The ledger of one mailbox. Every method is safe to call from several threads (Exchanges complete on route threads
 * while the poll thread works), and every change is durable when the method returns.
 */
public interface MailboxLedger extends Closeable {

    /** A copy of every entry, by UIDL. */
    Map<String, LedgerEntry> entries();

    Optional<LedgerEntry> get(String uid);

    /**
     * Atomically replaces the entry of {@code uid} with {@code change.apply(current)}; {@code current} is null for an
     * unknown UIDL, and a null result removes the entry. A shared ledger must make this atomic across nodes: it is
     * what keeps two consumers from claiming the same mail.
     *
     * @return the entry now stored, or null
     */
    LedgerEntry update(String uid, UnaryOperator<LedgerEntry> change) throws IOException;

    /**
     * {@link #update} for several UIDLs, each change atomic, all of them durable together when the method returns:
     * one disk sync for a whole window of claims or a QUIT's worth of deletions instead of one per mail.
     *
     * @return the entries now stored, by UIDL (absent when removed)
     */
    default Map<String, LedgerEntry> updateAll(java.util.Collection<String> uids,
            java.util.function.BiFunction<String, LedgerEntry, LedgerEntry> change) throws IOException {
        Map<String, LedgerEntry> result = new java.util.LinkedHashMap<>();
        for (String uid : uids) {
            LedgerEntry e = update(uid, current -> change.apply(uid, current));
            if (e != null) {
                result.put(uid, e);
            }
        }
        return result;
    }

    /**
     * Like {@link #update}, but the change need only be durable after the next {@link #sync()} (or any durable write):
     * the consumer records the completions of a pipelining window this way and syncs once before it tells the server
     * anything about them. A crash before the sync loses these changes: the mails were in flight and are delivered
     * again, which is the documented duplicate window.
     */
    default LedgerEntry updateDeferred(String uid, UnaryOperator<LedgerEntry> change) throws IOException {
        return update(uid, change);
    }

    /**
     * {@link #updateAll} whose changes need only be durable after the next {@link #sync()}: the consumer claims a
     * window this way and syncs before it tells the server anything about those mails.
     */
    default Map<String, LedgerEntry> updateAllDeferred(java.util.Collection<String> uids,
            java.util.function.BiFunction<String, LedgerEntry, LedgerEntry> change) throws IOException {
        return updateAll(uids, change);
    }

    /**
     * Makes every change made so far durable. May run on another thread while the consumer goes on updating (the
     * consumer syncs in the background while it routes): it must cover at least every change that returned before it
     * was called.
     */
    default void sync() throws IOException {
    }

    /** Forgets every UIDL not in {@code uids} (mails gone from the server). */
    void retainOnly(Set<String> uids) throws IOException;

    @Override
    void close() throws IOException;
}

package dev.pop3x;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;

/**
 * Deletes requested by completed Exchanges while a poll's session is open. Completions run on route threads, but only
 * the poll thread may write to the session, so completions leave the UIDL here and the poll thread sends the DELEs.
 * Once the poll has closed it, a request is refused and the mail stays delete-pending in the ledger for the next poll.
 */
final class PendingDeletes {

    private final Queue<String> uids = new ArrayDeque<>();
    private boolean closed;

    synchronized boolean offer(String uid) {
        if (closed) {
            return false;
        }
        uids.add(uid);
        return true;
    }

    /** Takes every UIDL offered so far. */
    synchronized List<String> drainAll() {
        List<String> all = new ArrayList<>(uids);
        uids.clear();
        return all;
    }

    synchronized void close() {
        closed = true;
    }

    synchronized boolean isOpen() {
        return !closed;
    }
}

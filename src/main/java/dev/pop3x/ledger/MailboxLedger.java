package dev.pop3x.ledger;

import java.io.Closeable;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The ledger of one mailbox, as opened by one consumer. Shaped for a store shared by several nodes as much as for a
 * local file: reads are by the UIDLs of one snapshot, writes are lists of transitions checked against the version
 * they were computed from, durability has an explicit barrier, and every write is fenced by the token taken at
 * {@link Ledger#open}. Every method is safe to call from several threads (Exchanges complete on route threads while
 * the poll thread works).
 */
public interface MailboxLedger extends Closeable {

    /**
     * The entries of these UIDLs, by UIDL (unknown ones are absent), and every one of them counts as seen at
     * {@code seenAt} (see {@link #prune}). Entries created by a later {@link #apply} count as seen at the
     * {@code seenAt} of the latest load: a mail is only ever claimed from a snapshot.
     */
    Map<String, LedgerEntry> load(Collection<String> uids, long seenAt) throws IOException;

    /**
     * Applies transitions as one step. Each one is applied only while the stored entry is still the one it was
     * computed from (an equal {@link LedgerEntry}, or no entry for {@code from == null}); the others are skipped,
     * because someone changed that mail meanwhile. The version alone is not enough: a mail forgotten and claimed
     * again starts over at version 1. A store that cannot compare whole entries must compare at least
     * {@link LedgerEntry#version()}, {@link LedgerEntry#claimOwner()} and {@link LedgerEntry#claimedAt()}.
     *
     * @param  durability            {@link Durability#NOW}: on stable storage when this returns;
     *                               {@link Durability#AT_BARRIER}: by the next {@link #awaitDurable()}
     * @return                       the transitions applied, in the order given
     * @throws LedgerFencedException the token taken at open is no longer valid: nothing was applied
     */
    List<Transition> apply(List<Transition> transitions, Durability durability) throws IOException;

    /**
     * The durability barrier: every transition applied before this call is on stable storage when it returns. May
     * run on another thread while transitions go on being applied.
     *
     * @throws LedgerFencedException some of them are not known to be durable, and this holder can no longer make them
     *                               so: its token is no longer valid, or it was closed (and its final sync failed)
     */
    void awaitDurable() throws IOException;

    /**
     * Forgets every entry not seen since {@code seenBefore} (mails gone from the server).
     *
     * @return how many were forgotten
     */
    int prune(long seenBefore) throws IOException;

    /** The entries in one of these states (for operators: the poison mails), in no particular order. */
    List<LedgerEntry> find(Set<MessageState> states) throws IOException;

    /** How many entries the ledger holds. */
    int size() throws IOException;

    /**
     * The fencing token taken at open: a number that grows with every open of this mailbox (a leadership epoch in
     * a shared store; the file ledger counts its opens). For logs and diagnostics.
     */
    long fencingToken();

    /**
     * Makes every transition applied so far durable and releases the token; nothing can be written through this
     * object afterwards. The token is released even when the final sync fails, which is then thrown.
     */
    @Override
    void close() throws IOException;
}

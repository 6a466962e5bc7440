package dev.pop3x.ledger;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One mailbox's ledger in the database, held under the epoch its open took. Every write ({@link #apply},
 * {@link #prune}) is one transaction that first locks the mailbox row FOR SHARE and compares the epoch: once a newer
 * open has incremented it, the write is refused and rolled back. An open waits for a write in progress, and a write
 * after the open sees the new epoch, so a deposed holder never writes after its successor's first read.
 *
 * <p>Because only the current holder writes, and this object runs its writes one at a time, a write reads the rows it
 * changes, decides in Java which transitions apply (each against what the earlier ones of the list left, as the file
 * ledger does) and writes the net change in batches: a window of claims is a few round trips, not one per mail. The
 * writes still carry the version they replace, so a row changed behind the fence fails the write instead of being
 * overwritten.
 *
 * <p>Durability: {@link Durability#NOW} commits synchronously. {@link Durability#AT_BARRIER} commits without waiting
 * for the WAL flush (synchronous_commit off for that transaction): the change is visible at once, and
 * {@link #awaitDurable()} commits one fenced transaction synchronously, whose flush covers every commit before it.
 *
 * <p>When each entry was last seen is kept in memory, as in the file ledger: entries this holder has not loaded count
 * as seen at 0.
 */
final class JdbcMailboxLedger implements MailboxLedger {

    private final JdbcWork db;
    private final String mailboxKey;
    private final long mailboxId;
    private final long epoch;
    /** Serializes the holder's reads and writes, and guards the fields below it. */
    private final Object writes = new Object();
    private final Map<String, Long> lastSeen = new HashMap<>();
    private long latestSeenAt;
    private volatile boolean closed;
    /** Transactions committed asynchronously so far, and how many of them are known durable. */
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong durableUpTo = new AtomicLong();

    JdbcMailboxLedger(JdbcWork db, String mailboxKey, long mailboxId, long epoch) {
        this.db = db;
        this.mailboxKey = mailboxKey;
        this.mailboxId = mailboxId;
        this.epoch = epoch;
    }

    @Override
    public Map<String, LedgerEntry> load(Collection<String> uids, long seenAt) throws IOException {
        synchronized (writes) {
            latestSeenAt = Math.max(latestSeenAt, seenAt);
            if (uids.isEmpty()) {
                return Map.of(); // a poll without deletes asks for none
            }
            Map<String, LedgerEntry> found = db.autoCommit("read the ledger of mailbox " + mailboxKey, c -> {
                try (PreparedStatement ps = c.prepareStatement(JdbcLedgerSql.LOAD)) {
                    ps.setLong(1, mailboxId);
                    ps.setArray(2, LedgerRows.textArray(c, new HashSet<>(uids)));
                    return LedgerRows.readAll(ps);
                }
            });
            // a load with an older reading of the clock (another thread's) must not make it older
            found.keySet().forEach(uid -> lastSeen.merge(uid, seenAt, Math::max));
            return found;
        }
    }

    @Override
    public List<Transition> apply(List<Transition> transitions, Durability durability) throws IOException {
        synchronized (writes) {
            checkOpen();
            if (transitions.isEmpty()) {
                return List.of();
            }
            Map<String, LedgerEntry> changed = new LinkedHashMap<>();
            List<Transition> applied = db.transaction("write to the ledger of mailbox " + mailboxKey, c -> {
                Map<String, LedgerEntry> stored = fenceAndRead(c, transitions, durability);
                List<Transition> ok = new ArrayList<>();
                for (Transition t : transitions) {
                    LedgerEntry current = changed.containsKey(t.uid()) ? changed.get(t.uid()) : stored.get(t.uid());
                    if (t.appliesTo(current)) {
                        changed.put(t.uid(), t.to());
                        ok.add(t);
                    }
                }
                write(c, stored, changed);
                return ok;
            });
            changed.forEach((uid, e) -> { // in memory only once committed
                if (e == null) {
                    lastSeen.remove(uid);
                } else {
                    lastSeen.putIfAbsent(uid, latestSeenAt);
                }
            });
            if (durability == Durability.NOW) {
                // a synchronous commit flushes the WAL up to it: the asynchronous commits before it are durable too
                durableUpTo.accumulateAndGet(written.get(), Math::max);
            } else if (!applied.isEmpty()) {
                written.incrementAndGet();
            }
            return applied;
        }
    }

    /**
     * Outside the write lock: the holder goes on writing while the database flushes. The barrier is a transaction of
     * its own, fenced like a write; when nothing is waiting for a flush, the fence is read without a lock.
     */
    @Override
    public void awaitDurable() throws IOException {
        long target = written.get();
        if (closed) {
            if (durableUpTo.get() < target) {
                throw fenced("it was closed and its last changes may not be durable");
            }
            return;
        }
        if (durableUpTo.get() >= target) {
            checkEpoch(db.autoCommit("check the fencing epoch of mailbox " + mailboxKey, this::readEpoch));
            return;
        }
        long current = db.transaction("sync the ledger of mailbox " + mailboxKey, c -> lockEpoch(c));
        durableUpTo.accumulateAndGet(target, Math::max); // flushed by that commit, whatever the epoch said
        checkEpoch(current);
    }

    @Override
    public int prune(long seenBefore) throws IOException {
        synchronized (writes) {
            checkOpen();
            Set<String> keep = new HashSet<>();
            lastSeen.forEach((uid, seen) -> {
                if (seen >= seenBefore) {
                    keep.add(uid);
                }
            });
            long stored = db.autoCommit("check the ledger of mailbox " + mailboxKey, this::readEpochCheckedSize);
            if (stored == keep.size()) {
                return 0; // every stored entry was seen: the idle poll's case, without a write
            }
            Set<String> present = new HashSet<>();
            List<String> gone = db.transaction("forget mails in the ledger of mailbox " + mailboxKey, c -> {
                checkEpoch(lockEpoch(c));
                present.addAll(allUids(c));
                List<String> forget = present.stream().filter(uid -> !keep.contains(uid)).toList();
                if (!forget.isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement(JdbcLedgerSql.DELETE_UIDS)) {
                        ps.setLong(1, mailboxId);
                        ps.setArray(2, LedgerRows.textArray(c, forget));
                        ps.executeUpdate();
                    }
                }
                return forget;
            });
            durableUpTo.accumulateAndGet(written.get(), Math::max); // committed synchronously
            lastSeen.keySet().retainAll(present);
            gone.forEach(lastSeen::remove);
            return gone.size();
        }
    }

    @Override
    public List<LedgerEntry> find(Set<MessageState> states) throws IOException {
        return db.autoCommit("read the ledger of mailbox " + mailboxKey, c -> {
            try (PreparedStatement ps = c.prepareStatement(JdbcLedgerSql.FIND)) {
                ps.setLong(1, mailboxId);
                ps.setArray(2, LedgerRows.textArray(c, states.stream().map(MessageState::name).toList()));
                return List.copyOf(LedgerRows.readAll(ps).values());
            }
        });
    }

    @Override
    public int size() throws IOException {
        return db.autoCommit("read the ledger of mailbox " + mailboxKey, c -> {
            try (PreparedStatement ps = c.prepareStatement(JdbcLedgerSql.SIZE)) {
                ps.setLong(1, mailboxId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }

    @Override
    public long fencingToken() {
        return epoch;
    }

    /** Nothing to release in the database: the next open increments the epoch whether this one closed or died. */
    @Override
    public void close() throws IOException {
        synchronized (writes) {
            if (closed) {
                return;
            }
            closed = true;
        }
        long target = written.get();
        if (durableUpTo.get() < target) {
            try {
                db.transaction("sync the ledger of mailbox " + mailboxKey, c -> lockEpoch(c));
            } catch (IOException e) {
                throw new IOException("The last changes to the ledger of mailbox " + mailboxKey
                                      + " may not be durable: its final sync failed",
                        e);
            }
            durableUpTo.accumulateAndGet(target, Math::max);
        }
    }

    @Override
    public String toString() {
        return "JdbcMailboxLedger[" + mailboxKey + ", epoch " + epoch + "]";
    }

    /** Locks the mailbox row FOR SHARE, compares the epoch, and reads the entries the transitions name. */
    private Map<String, LedgerEntry> fenceAndRead(Connection c, List<Transition> transitions, Durability durability)
            throws SQLException, IOException {
        Set<String> uids = new LinkedHashSet<>();
        transitions.forEach(t -> uids.add(t.uid()));
        String sql = durability == Durability.NOW ? JdbcLedgerSql.FENCE_AND_READ : JdbcLedgerSql.FENCE_AND_READ_ASYNC;
        int firstEntryColumn = durability == Durability.NOW ? 2 : 3;
        Map<String, LedgerEntry> stored = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, LedgerRows.textArray(c, uids));
            ps.setLong(2, mailboxId);
            try (ResultSet rs = ps.executeQuery()) {
                long current = -1; // no row: the mailbox was removed from the database
                while (rs.next()) {
                    current = rs.getLong(1);
                    if (rs.getString(firstEntryColumn) != null) {
                        LedgerEntry e = LedgerRows.read(rs, firstEntryColumn);
                        stored.put(e.uid(), e);
                    }
                }
                checkEpoch(current);
            }
        }
        return stored;
    }

    /** The net change of each UIDL, in at most three batches. */
    private void write(Connection c, Map<String, LedgerEntry> stored, Map<String, LedgerEntry> changed)
            throws SQLException, IOException {
        try (PreparedStatement insert = c.prepareStatement(JdbcLedgerSql.INSERT);
             PreparedStatement update = c.prepareStatement(JdbcLedgerSql.UPDATE);
             PreparedStatement delete = c.prepareStatement(JdbcLedgerSql.DELETE)) {
            int inserts = 0;
            int updates = 0;
            int deletes = 0;
            for (Map.Entry<String, LedgerEntry> change : changed.entrySet()) {
                LedgerEntry before = stored.get(change.getKey());
                LedgerEntry after = change.getValue();
                if (before == null && after != null) {
                    insert.setLong(1, mailboxId);
                    insert.setString(2, after.uid());
                    LedgerRows.bindFields(insert, 3, after);
                    insert.addBatch();
                    inserts++;
                } else if (before != null && after != null) {
                    int next = LedgerRows.bindFields(update, 1, after);
                    update.setLong(next, mailboxId);
                    update.setString(next + 1, after.uid());
                    update.setLong(next + 2, before.version());
                    update.addBatch();
                    updates++;
                } else if (before != null) {
                    delete.setLong(1, mailboxId);
                    delete.setString(2, before.uid());
                    delete.setLong(3, before.version());
                    delete.addBatch();
                    deletes++;
                }
            }
            if (inserts > 0) {
                checkCounts(insert.executeBatch());
            }
            if (updates > 0) {
                checkCounts(update.executeBatch());
            }
            if (deletes > 0) {
                checkCounts(delete.executeBatch());
            }
        }
    }

    /** A row that was read in this transaction and is gone or changed now was written behind the fence. */
    private void checkCounts(int[] counts) throws IOException {
        for (int count : counts) {
            if (count != 1 && count != Statement.SUCCESS_NO_INFO) {
                throw new IOException("The ledger of mailbox " + mailboxKey + " was changed by a writer that does not"
                                      + " hold its fencing epoch " + epoch + "; nothing of this write was applied");
            }
        }
    }

    private long lockEpoch(Connection c) throws SQLException {
        return epochOf(c, JdbcLedgerSql.FENCE);
    }

    private long readEpoch(Connection c) throws SQLException {
        return epochOf(c, JdbcLedgerSql.EPOCH);
    }

    private long epochOf(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, mailboxId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }

    /** The number of stored entries, once the epoch is known to be this holder's. */
    private long readEpochCheckedSize(Connection c) throws SQLException, IOException {
        try (PreparedStatement ps = c.prepareStatement(JdbcLedgerSql.EPOCH_AND_SIZE)) {
            ps.setLong(1, mailboxId);
            try (ResultSet rs = ps.executeQuery()) {
                checkEpoch(rs.next() ? rs.getLong(1) : -1);
                return rs.getLong(2);
            }
        }
    }

    private List<String> allUids(Connection c) throws SQLException {
        List<String> uids = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(JdbcLedgerSql.ALL_UIDS)) {
            ps.setLong(1, mailboxId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    uids.add(rs.getString(1));
                }
            }
        }
        return uids;
    }

    private void checkOpen() throws LedgerFencedException {
        if (closed) {
            throw fenced("it was closed");
        }
    }

    private void checkEpoch(long current) throws LedgerFencedException {
        if (current != epoch) {
            throw fenced(current < 0 ? "its row in pop3x_mailbox is gone"
                    : "another consumer opened it (epoch " + current
                      + "; nodes that share a mailbox need clustered=true)");
        }
    }

    private LedgerFencedException fenced(String why) {
        return new LedgerFencedException("The ledger of mailbox " + mailboxKey + " is no longer held by this consumer"
                                         + " (fencing epoch " + epoch + "): " + why);
    }
}

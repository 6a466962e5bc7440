package dev.pop3x.ledger;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One mailbox's ledger as an append log ({@link LedgerFileFormat}): each applied transition is one line, and one
 * {@link #apply} is one write. {@link Durability#NOW} fsyncs before returning, so a {@code kill -9} loses nothing
 * that was acknowledged; {@link Durability#AT_BARRIER} leaves the fsync to {@link #awaitDurable()}, which covers
 * every line written before it (group commit). A torn last line (crash mid-write) is ignored at the next open. At open
 * the log is rewritten compactly (temp file, fsync, atomic rename); claims found in it stay as they are, since the
 * life cycle decides what a claim of an earlier owner means.
 *
 * <p>When each entry was last seen is kept in memory only: entries read at open count as seen at 0, like entries
 * written before the first {@link #load}, so a {@link #prune} after the first load forgets exactly what it did not
 * see.
 */
final class FileMailboxLedger implements MailboxLedger {

    private static final Logger LOG = LoggerFactory.getLogger(FileMailboxLedger.class);

    private static final int LINES_KEPT = 64 * 1024;

    private final Path file;
    private final String mailboxKey;
    private final MailboxLock lock;
    private final Map<String, LedgerEntry> entries;
    private final Map<String, Long> lastSeen = new HashMap<>();
    private long latestSeenAt;
    private boolean closed;
    /**
     * The log, appended through a FileOutputStream: one line per completion is a small write, and that path is several
     * times cheaper than FileChannel.write while the JVM is still cold. Its channel serves size and truncate.
     */
    private FileOutputStream logOut;
    private FileChannel log;
    private long linesInLog;
    /** Where the next line goes; kept here rather than asked of the file on every append. */
    private long logEnd;
    /** Writes so far, and how many of them are known durable: a count, not a file position (compaction resets those). */
    private long written;
    private long durableUpTo;
    /**
     * The lines of the change being applied, reused under the lock: a window's claims, one completion, the deletions
     * of a poll. A builder grown past {@link #LINES_KEPT} chars (a poll that deleted thousands) is not kept.
     */
    private StringBuilder lines = new StringBuilder(256);

    private FileMailboxLedger(Path file, String mailboxKey, MailboxLock lock, Map<String, LedgerEntry> entries) {
        this.file = file;
        this.mailboxKey = mailboxKey;
        this.lock = lock;
        this.entries = entries;
    }

    static FileMailboxLedger open(Path file, String mailboxKey) throws IOException {
        MailboxLock lock = MailboxLock.acquire(file, mailboxKey);
        try {
            FileMailboxLedger ledger = new FileMailboxLedger(file, mailboxKey, lock, LedgerFileFormat.read(file));
            ledger.compact(); // also migrates a file of an older format
            return ledger;
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    @Override
    public synchronized Map<String, LedgerEntry> load(Collection<String> uids, long seenAt) {
        latestSeenAt = Math.max(latestSeenAt, seenAt);
        Map<String, LedgerEntry> found = new HashMap<>();
        for (String uid : uids) {
            LedgerEntry e = entries.get(uid);
            if (e != null) {
                found.put(uid, e);
                // a load with an older reading of the clock (another thread's) must not make it older
                lastSeen.merge(uid, seenAt, Math::max);
            }
        }
        return found;
    }

    @Override
    public synchronized List<Transition> apply(List<Transition> transitions, Durability durability) throws IOException {
        checkHeld();
        // checked against what the earlier transitions of this list leave, as if applied one by one
        Map<String, LedgerEntry> changed = new LinkedHashMap<>();
        List<Transition> applied = new ArrayList<>();
        lines.setLength(0);
        for (Transition t : transitions) {
            LedgerEntry current = changed.containsKey(t.uid()) ? changed.get(t.uid()) : entries.get(t.uid());
            if (t.appliesTo(current)) {
                changed.put(t.uid(), t.to());
                applied.add(t);
                LedgerFileFormat.appendLine(lines, t.uid(), t.to());
            }
        }
        if (applied.isEmpty()) {
            return applied;
        }
        append(lines, applied.size(), durability == Durability.NOW);
        if (lines.capacity() > LINES_KEPT) {
            lines = new StringBuilder(256);
        }
        changed.forEach((uid, e) -> { // in memory only once written
            if (e == null) {
                entries.remove(uid);
                lastSeen.remove(uid);
            } else {
                entries.put(uid, e);
                lastSeen.putIfAbsent(uid, latestSeenAt);
            }
        });
        return applied;
    }

    /**
     * Outside the lock, so that other threads go on appending while the disk syncs; lines written meanwhile are left
     * to the next barrier. {@code FileDescriptor.sync} rather than {@code FileChannel.force}: an interrupt during force
     * would close the channel, and with it the log.
     */
    @Override
    public void awaitDurable() throws IOException {
        FileOutputStream out;
        long target;
        synchronized (this) {
            if (durableUpTo >= written) {
                return;
            }
            checkHeld(); // closed after a failed final sync, or deposed: this holder cannot make them durable
            out = logOut;
            target = written;
        }
        IOException failure = null;
        try {
            out.getFD().sync();
        } catch (IOException e) {
            failure = e;
        }
        synchronized (this) {
            if (durableUpTo >= target) {
                // made durable meanwhile: by a compaction, which synced the effect of every earlier line, or by close
                return;
            }
            if (failure != null) {
                throw failure;
            }
            checkHeld(); // deposed while syncing: a new holder may have replaced the file this one synced
            durableUpTo = target;
        }
    }

    @Override
    public synchronized int prune(long seenBefore) throws IOException {
        checkHeld();
        List<String> gone = entries.keySet().stream().filter(uid -> lastSeen.getOrDefault(uid, 0L) < seenBefore)
                .toList();
        if (!gone.isEmpty()) {
            gone.forEach(uid -> {
                entries.remove(uid);
                lastSeen.remove(uid);
            });
            compact();
        }
        return gone.size();
    }

    @Override
    public synchronized List<LedgerEntry> find(Set<MessageState> states) {
        return entries.values().stream().filter(e -> states.contains(e.state())).toList();
    }

    @Override
    public synchronized int size() {
        return entries.size();
    }

    @Override
    public long fencingToken() {
        return lock.token();
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        FileOutputStream out = logOut;
        try (lock; out) { // released even when the sync fails, and that failure is thrown after
            if (durableUpTo < written) {
                try {
                    out.getFD().sync();
                } catch (IOException e) {
                    throw new IOException("The last changes to the ledger of mailbox " + mailboxKey + " (" + file
                                          + ") may not be durable: its final sync failed",
                            e);
                }
                durableUpTo = written;
            }
        }
    }

    /** Cheap enough for every call: no system call, the lock's validity is known to the JVM. */
    private void checkHeld() throws LedgerFencedException {
        if (closed || !lock.isHeld()) {
            throw new LedgerFencedException("The ledger of mailbox " + mailboxKey + " (" + file
                                            + ") is no longer held by this consumer (token " + lock.token() + ")"
                                            + (durableUpTo < written ? "; its last changes may not be durable" : ""));
        }
    }

    private void append(CharSequence lines, int count, boolean durable) throws IOException {
        if (linesInLog > 2L * entries.size() + 1000) {
            compact();
        }
        long end = logEnd;
        try {
            byte[] bytes = lines.toString().getBytes(StandardCharsets.UTF_8);
            logEnd += bytes.length;
            logOut.write(bytes);
            written++;
            if (durable) {
                logOut.getFD().sync(); // also makes earlier lines durable
                durableUpTo = written;
            }
        } catch (IOException e) {
            // a half-written line (disk full) would glue itself to the next one: cut it off
            logEnd = end;
            try {
                log.truncate(end);
            } catch (IOException ignored) {
                // the torn line is ignored at the next open if this fails too
            }
            throw e;
        }
        linesInLog += count;
    }

    /** Rewrites the log with only the live entries: temp file, fsync, atomic rename, fsync of the directory. */
    private void compact() throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        StringBuilder all = new StringBuilder(entries.size() * 80 + 20).append(LedgerFileFormat.HEADER).append('\n');
        entries.values().forEach(e -> LedgerFileFormat.appendLine(all, e.uid(), e));
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = StandardCharsets.UTF_8.encode(all.toString());
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
            out.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        syncDirectory(file.toAbsolutePath().getParent());
        // the old stream stays usable until the new file is in place, so a failed rename breaks nothing
        FileOutputStream old = logOut;
        logOut = new FileOutputStream(file.toFile(), true);
        log = logOut.getChannel();
        logEnd = log.size();
        if (old != null) {
            old.close();
        }
        linesInLog = entries.size();
        durableUpTo = written;
    }

    private static void syncDirectory(Path dir) {
        // makes the rename itself durable; not supported on every platform, where it is best effort
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            LOG.trace("Cannot fsync directory {}", dir, e);
        }
    }
}

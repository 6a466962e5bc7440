package dev.pop3x.ledger;

import java.io.BufferedReader;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One mailbox's ledger as an append log: each change is one line, written and fsynced before the call returns, so a
 * {@code kill -9} loses nothing that was acknowledged. A torn last line (crash mid-write) is ignored at the next open.
 * At open the log is rewritten compactly (temp file, fsync, atomic rename) and claims of the earlier process are
 * released, so its in-flight mails are delivered again at once.
 *
 * <p>Line format, tab-separated: {@code uid state attempts firstSeen completedAt claimOwner claimedAt lastError}
 * ({@code -} for an absent owner or error), or {@code uid -} for a removal. UIDLs are printable ASCII without spaces
 * (RFC 1939) and error texts are stored on one line without tabs, so a tab never occurs inside a field.
 */
final class FileMailboxLedger implements MailboxLedger {

    private static final Logger LOG = LoggerFactory.getLogger(FileMailboxLedger.class);
    private static final String REMOVED = "-";

    private final Path file;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Map<String, LedgerEntry> entries;
    /**
     * The log, appended through a FileOutputStream: one line per completion is a small write, and that path is several
     * times cheaper than FileChannel.write while the JVM is still cold. Its channel serves size and truncate.
     */
    private FileOutputStream logOut;
    private FileChannel log;
    private long linesInLog;
    /** Where the next line goes; kept here rather than asked of the file on every append. */
    private long logEnd;
    /** Appends so far, and how many of them are known durable: a count, not a file position (compaction resets those). */
    private long appended;
    private long durableUpTo;

    private FileMailboxLedger(Path file, FileChannel lockChannel, FileLock lock, Map<String, LedgerEntry> entries) {
        this.file = file;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.entries = entries;
    }

    static FileMailboxLedger open(Path file, String mailboxKey) throws IOException {
        Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
        FileChannel lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            lockChannel.close();
            throw new IllegalStateException("The ledger of mailbox " + mailboxKey + " (" + file
                                            + ") is in use by another consumer; only one consumer at a time may poll a mailbox with a file ledger");
        }
        try {
            Map<String, LedgerEntry> entries = read(file);
            entries.replaceAll((uid, e) -> e.state() == MessageState.IN_FLIGHT ? releasedClaim(e) : e);
            FileMailboxLedger ledger = new FileMailboxLedger(file, lockChannel, lock, entries);
            ledger.compact();
            return ledger;
        } catch (IOException | RuntimeException e) {
            lock.release();
            lockChannel.close();
            throw e;
        }
    }

    /** A claim left by a process that is gone: the mail is delivered again, without counting an attempt. */
    private static LedgerEntry releasedClaim(LedgerEntry e) {
        return e.withState(MessageState.FAILED);
    }

    @Override
    public synchronized Map<String, LedgerEntry> entries() {
        return new HashMap<>(entries);
    }

    @Override
    public synchronized Optional<LedgerEntry> get(String uid) {
        return Optional.ofNullable(entries.get(uid));
    }

    @Override
    public synchronized LedgerEntry update(String uid, UnaryOperator<LedgerEntry> change) throws IOException {
        return update(uid, change, true);
    }

    @Override
    public synchronized LedgerEntry updateDeferred(String uid, UnaryOperator<LedgerEntry> change) throws IOException {
        return update(uid, change, false);
    }

    /**
     * Outside the lock, so that the poll thread goes on appending while the disk syncs; lines appended meanwhile are
     * left to the next sync. {@code FileDescriptor.sync} rather than {@code FileChannel.force}: an interrupt during
     * force would close the channel, and with it the log.
     */
    @Override
    public void sync() throws IOException {
        FileOutputStream out;
        long target;
        synchronized (this) {
            if (durableUpTo >= appended) {
                return;
            }
            out = logOut;
            target = appended;
        }
        try {
            out.getFD().sync();
        } catch (IOException e) {
            synchronized (this) {
                if (out == logOut) {
                    throw e;
                }
            }
            return; // compaction replaced the log meanwhile, and synced a file with the effect of every earlier line
        }
        synchronized (this) {
            durableUpTo = Math.max(durableUpTo, target);
        }
    }

    private LedgerEntry update(String uid, UnaryOperator<LedgerEntry> change, boolean durable) throws IOException {
        LedgerEntry current = entries.get(uid);
        LedgerEntry next = change.apply(current);
        if (next == current) {
            return current;
        }
        append(next == null ? uid + "\t" + REMOVED + "\n" : format(next), 1, durable);
        if (next == null) {
            entries.remove(uid);
        } else {
            entries.put(uid, next);
        }
        return next;
    }

    @Override
    public synchronized Map<String, LedgerEntry> updateAll(java.util.Collection<String> uids,
            java.util.function.BiFunction<String, LedgerEntry, LedgerEntry> change) throws IOException {
        return updateAll(uids, change, true);
    }

    @Override
    public synchronized Map<String, LedgerEntry> updateAllDeferred(java.util.Collection<String> uids,
            java.util.function.BiFunction<String, LedgerEntry, LedgerEntry> change) throws IOException {
        return updateAll(uids, change, false);
    }

    private Map<String, LedgerEntry> updateAll(java.util.Collection<String> uids,
            java.util.function.BiFunction<String, LedgerEntry, LedgerEntry> change, boolean durable) throws IOException {
        StringBuilder lines = new StringBuilder();
        Map<String, LedgerEntry> changed = new LinkedHashMap<>();
        Map<String, LedgerEntry> result = new LinkedHashMap<>();
        for (String uid : uids) {
            LedgerEntry current = changed.containsKey(uid) ? changed.get(uid) : entries.get(uid);
            LedgerEntry next = change.apply(uid, current);
            if (next != current) {
                lines.append(next == null ? uid + "\t" + REMOVED + "\n" : format(next));
                changed.put(uid, next);
            }
            if (next != null) {
                result.put(uid, next);
            }
        }
        if (lines.length() > 0) {
            append(lines.toString(), changed.size(), durable); // one write (and sync); applied in memory once written
            changed.forEach((uid, e) -> {
                if (e == null) {
                    entries.remove(uid);
                } else {
                    entries.put(uid, e);
                }
            });
        }
        return result;
    }

    @Override
    public synchronized void retainOnly(Set<String> uids) throws IOException {
        if (entries.keySet().retainAll(uids)) {
            compact();
        }
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            sync();
            if (logOut != null) {
                logOut.close();
            }
        } finally {
            lock.release();
            lockChannel.close();
        }
    }

    private void append(String lines, int count, boolean durable) throws IOException {
        if (linesInLog > 2L * entries.size() + 1000) {
            compact();
        }
        long end = logEnd;
        try {
            byte[] bytes = lines.getBytes(StandardCharsets.UTF_8);
            logEnd += bytes.length;
            logOut.write(bytes);
            appended++;
            if (durable) {
                logOut.getFD().sync(); // also makes earlier deferred lines durable
                durableUpTo = appended;
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
        StringBuilder all = new StringBuilder(entries.size() * 64);
        entries.values().forEach(e -> all.append(format(e)));
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
        // the old channel stays usable until the new file is in place, so a failed rename breaks nothing
        FileOutputStream old = logOut;
        logOut = new FileOutputStream(file.toFile(), true);
        log = logOut.getChannel();
        logEnd = log.size();
        if (old != null) {
            old.close();
        }
        linesInLog = entries.size();
        durableUpTo = appended;
    }

    private static void syncDirectory(Path dir) {
        // makes the rename itself durable; not supported on every platform, where it is best effort
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            LOG.trace("Cannot fsync directory {}", dir, e);
        }
    }

    private static Map<String, LedgerEntry> read(Path file) throws IOException {
        Map<String, LedgerEntry> entries = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return entries;
        }
        byte[] content = Files.readAllBytes(file);
        int end = content.length;
        // a last line without its newline was torn by a crash: it was never acknowledged
        while (end > 0 && content[end - 1] != '\n') {
            end--;
        }
        try (BufferedReader reader = new BufferedReader(new java.io.StringReader(
                new String(content, 0, end, StandardCharsets.UTF_8)))) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                String[] f = line.split("\t", -1);
                try {
                    if (f.length == 2 && REMOVED.equals(f[1])) {
                        entries.remove(f[0]);
                    } else {
                        LedgerEntry e = parse(f);
                        entries.put(e.uid(), e);
                    }
                } catch (RuntimeException e) {
                    LOG.warn("Ignoring unreadable line {} of ledger {}: {}", number, file, e.getMessage());
                }
            }
        }
        return entries;
    }

    private static String format(LedgerEntry e) {
        // a StringBuilder, not +: string concatenation bootstraps call sites, which a cold JVM pays for on every poll
        return new StringBuilder(96).append(e.uid()).append('\t').append(e.state().name()).append('\t')
                .append(e.attempts()).append('\t').append(e.firstSeen()).append('\t').append(e.completedAt())
                .append('\t').append(orDash(e.claimOwner())).append('\t').append(e.claimedAt()).append('\t')
                .append(orDash(e.lastError())).append('\n').toString();
    }

    private static String orDash(String value) {
        return value == null || value.isEmpty() ? REMOVED : value;
    }

    private static String dashAsNull(String value) {
        return REMOVED.equals(value) ? null : value;
    }

    private static LedgerEntry parse(String[] f) {
        if (f.length != 8) {
            throw new IllegalArgumentException("expected 8 fields, found " + f.length);
        }
        return new LedgerEntry(f[0], MessageState.valueOf(f[1]), Integer.parseInt(f[2]), Long.parseLong(f[3]),
                Long.parseLong(f[4]), dashAsNull(f[5]), Long.parseLong(f[6]), dashAsNull(f[7]));
    }
}

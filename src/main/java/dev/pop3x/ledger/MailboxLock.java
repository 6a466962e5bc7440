package dev.pop3x.ledger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lock file beside a ledger file: its lock keeps a second consumer (in this JVM or another) off the mailbox, and
 * its content counts the opens of the mailbox, which is the ledger's fencing token. The lock, not the token, is what
 * refuses a second writer; the token is for logs and diagnostics.
 */
final class MailboxLock implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MailboxLock.class);

    private final FileChannel channel;
    private final FileLock lock;
    private final long token;

    private MailboxLock(FileChannel channel, FileLock lock, long token) {
        this.channel = channel;
        this.lock = lock;
        this.token = token;
    }

    /**
     * @throws IllegalStateException another consumer holds the mailbox
     */
    static MailboxLock acquire(Path ledgerFile, String mailboxKey) throws IOException {
        Path lockFile = ledgerFile.resolveSibling(ledgerFile.getFileName() + ".lock");
        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this JVM
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new IllegalStateException("The ledger of mailbox " + mailboxKey + " (" + ledgerFile
                                            + ") is in use by another consumer; only one consumer at a time may poll a mailbox with a file ledger");
        }
        try {
            long token = readToken(channel, lockFile) + 1;
            ByteBuffer text = StandardCharsets.US_ASCII.encode(token + "\n");
            while (text.hasRemaining()) {
                channel.write(text, text.position());
            }
            channel.truncate(text.limit()); // whatever stood after the count (garbage, or a longer text) would hide it
            channel.force(false);
            return new MailboxLock(channel, lock, token);
        } catch (IOException | RuntimeException e) {
            channel.close(); // releases the lock
            throw e;
        }
    }

    /** The opens so far; a lock file of a release before the token is empty: none. */
    private static long readToken(FileChannel channel, Path lockFile) throws IOException {
        ByteBuffer content = ByteBuffer.allocate(32); // a long has at most 19 digits
        channel.read(content, 0); // a local file of a few bytes comes in one read
        String text = StandardCharsets.US_ASCII.decode(content.flip()).toString().strip();
        if (text.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            LOG.warn("Lock file {} does not hold a count of opens ('{}'); counting again from 1", lockFile, text);
            return 0;
        }
    }

    long token() {
        return token;
    }

    /** False once released, or once the channel was closed under it. */
    boolean isHeld() {
        return lock.isValid();
    }

    @Override
    public void close() throws IOException {
        channel.close(); // releases the lock
    }
}

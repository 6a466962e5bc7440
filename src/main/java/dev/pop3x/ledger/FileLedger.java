package dev.pop3x.ledger;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.camel.support.service.ServiceSupport;

/**
 * The default ledger: one append-only log file per mailbox in a directory, compacted at open and when it has grown
 * well past the live entries. A file lock keeps a second consumer off the same mailbox; the number of opens, kept in
 * the lock file, is the fencing token.
 */
public class FileLedger extends ServiceSupport implements Ledger {

    private final Path directory;

    public FileLedger(Path directory) {
        this.directory = directory;
    }

    public Path directory() {
        return directory;
    }

    @Override
    public MailboxLedger open(String mailboxKey) throws IOException {
        Files.createDirectories(directory);
        // URL-encoding keeps the name unique and free of path separators and ':'
        String name = URLEncoder.encode(mailboxKey, StandardCharsets.UTF_8);
        return FileMailboxLedger.open(directory.resolve(name + ".ledger"), mailboxKey);
    }

    @Override
    public String toString() {
        return "FileLedger[" + directory + "]";
    }
}

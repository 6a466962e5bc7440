package dev.pop3x.ledger;

import java.nio.file.Path;

import org.apache.camel.support.service.ServiceSupport;

/** TEMPORARY stand-in while the file ledger is rewritten on the new SPI (helper branch i11-ledger). */
public class FileLedger extends ServiceSupport implements Ledger {
    private final InMemoryLedger delegate = new InMemoryLedger();
    private final Path directory;

    public FileLedger(Path directory) {
        this.directory = directory;
    }

    public Path directory() {
        return directory;
    }

    @Override
    public MailboxLedger open(String mailboxKey) {
        return delegate.open(mailboxKey);
    }
}

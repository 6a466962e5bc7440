package dev.pop3x.ledger;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * A ledger that lives as long as the JVM: a restart forgets everything, so kept mails are delivered again. For tests,
 * or as a bean when that is acceptable. One instance may serve several mailboxes.
 */
public class InMemoryLedger implements Ledger {

    private final Map<String, Mailbox> mailboxes = new ConcurrentHashMap<>();

    @Override
    public MailboxLedger open(String mailboxKey) {
        return mailboxes.computeIfAbsent(mailboxKey, k -> new Mailbox());
    }

    static final class Mailbox implements MailboxLedger {
        private final Map<String, LedgerEntry> entries = new ConcurrentHashMap<>();

        @Override
        public Map<String, LedgerEntry> entries() {
            return new HashMap<>(entries);
        }

        @Override
        public Optional<LedgerEntry> get(String uid) {
            return Optional.ofNullable(entries.get(uid));
        }

        @Override
        public LedgerEntry update(String uid, UnaryOperator<LedgerEntry> change) {
            return entries.compute(uid, (k, current) -> change.apply(current));
        }

        @Override
        public void retainOnly(Set<String> uids) {
            entries.keySet().retainAll(uids);
        }

        @Override
        public void close() {
            // state stays for the next open in this JVM
        }
    }
}

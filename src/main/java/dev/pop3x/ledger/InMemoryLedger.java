package dev.pop3x.ledger;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.camel.support.service.ServiceSupport;

/**
 * A ledger that lives as long as the JVM: a restart forgets everything, so kept mails are delivered again. For tests,
 * or as a bean when that is acceptable. One instance may serve several mailboxes, each held by one consumer at a
 * time (as with the file ledger's lock).
 */
public class InMemoryLedger extends ServiceSupport implements Ledger {

    private final Map<String, Mailbox> mailboxes = new ConcurrentHashMap<>();

    @Override
    public MailboxLedger open(String mailboxKey) {
        Mailbox mailbox = mailboxes.computeIfAbsent(mailboxKey, Mailbox::new);
        return mailbox.take();
    }

    /** The stored state of one mailbox; survives the consumers that open it. */
    private static final class Mailbox {
        private final String key;
        private final Map<String, LedgerEntry> entries = new HashMap<>();
        private final Map<String, Long> lastSeen = new HashMap<>();
        private long latestSeenAt;
        private long token;
        private boolean held;

        Mailbox(String key) {
            this.key = key;
        }

        synchronized Holder take() {
            if (held) {
                throw new IllegalStateException("The in-memory ledger of mailbox " + key
                                                + " is in use by another consumer; only one consumer at a time may poll a mailbox");
            }
            held = true;
            return new Holder(this, ++token);
        }

        synchronized void checkToken(long holderToken) throws LedgerFencedException {
            if (!held || holderToken != token) {
                throw new LedgerFencedException("The ledger of mailbox " + key + " is no longer held by this consumer");
            }
        }
    }

    /** One consumer's view of a mailbox, valid while it holds the token. */
    private static final class Holder implements MailboxLedger {
        private final Mailbox box;
        private final long token;

        Holder(Mailbox box, long token) {
            this.box = box;
            this.token = token;
        }

        @Override
        public Map<String, LedgerEntry> load(Collection<String> uids, long seenAt) {
            synchronized (box) {
                box.latestSeenAt = Math.max(box.latestSeenAt, seenAt);
                Map<String, LedgerEntry> found = new HashMap<>();
                for (String uid : uids) {
                    LedgerEntry e = box.entries.get(uid);
                    if (e != null) {
                        found.put(uid, e);
                        // a load with an older reading of the clock (another thread's) must not make it older
                        box.lastSeen.merge(uid, seenAt, Math::max);
                    }
                }
                return found;
            }
        }

        @Override
        public List<Transition> apply(List<Transition> transitions, Durability durability)
                throws LedgerFencedException {
            synchronized (box) {
                box.checkToken(token);
                List<Transition> applied = new ArrayList<>();
                for (Transition t : transitions) {
                    if (!t.appliesTo(box.entries.get(t.uid()))) {
                        continue;
                    }
                    if (t.to() == null) {
                        box.entries.remove(t.uid());
                        box.lastSeen.remove(t.uid());
                    } else {
                        box.entries.put(t.uid(), t.to());
                        box.lastSeen.putIfAbsent(t.uid(), box.latestSeenAt);
                    }
                    applied.add(t);
                }
                return applied;
            }
        }

        @Override
        public void awaitDurable() {
            // nothing is ever durable here, and nothing more will be
        }

        @Override
        public int prune(long seenBefore) throws LedgerFencedException {
            synchronized (box) {
                box.checkToken(token);
                List<String> gone = box.lastSeen.entrySet().stream().filter(e -> e.getValue() < seenBefore)
                        .map(Map.Entry::getKey).toList();
                gone.forEach(uid -> {
                    box.entries.remove(uid);
                    box.lastSeen.remove(uid);
                });
                return gone.size();
            }
        }

        @Override
        public List<LedgerEntry> find(Set<MessageState> states) {
            synchronized (box) {
                return box.entries.values().stream().filter(e -> states.contains(e.state())).toList();
            }
        }

        @Override
        public int size() {
            synchronized (box) {
                return box.entries.size();
            }
        }

        @Override
        public long fencingToken() {
            return token;
        }

        @Override
        public void close() {
            synchronized (box) {
                if (box.token == token) {
                    box.held = false; // the state stays for the next open in this JVM
                }
            }
        }
    }
}

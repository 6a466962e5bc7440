package dev.pop3x.testsupport;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.pop3x.ledger.Durability;
import dev.pop3x.ledger.LedgerEntry;
import dev.pop3x.ledger.MailboxLedger;
import dev.pop3x.ledger.MessageState;
import dev.pop3x.ledger.Transition;

/** A mailbox ledger that forwards every call: tests override the one call they make fail or slow. */
public class ForwardingMailboxLedger implements MailboxLedger {

    private final MailboxLedger delegate;

    public ForwardingMailboxLedger(MailboxLedger delegate) {
        this.delegate = delegate;
    }

    @Override
    public Map<String, LedgerEntry> load(Collection<String> uids, long seenAt) throws IOException {
        return delegate.load(uids, seenAt);
    }

    @Override
    public List<Transition> apply(List<Transition> transitions, Durability durability) throws IOException {
        return delegate.apply(transitions, durability);
    }

    @Override
    public void awaitDurable() throws IOException {
        delegate.awaitDurable();
    }

    @Override
    public int prune(long seenBefore) throws IOException {
        return delegate.prune(seenBefore);
    }

    @Override
    public List<LedgerEntry> find(Set<MessageState> states) throws IOException {
        return delegate.find(states);
    }

    @Override
    public int size() throws IOException {
        return delegate.size();
    }

    @Override
    public long fencingToken() {
        return delegate.fencingToken();
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}

package dev.pop3x.session;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.pop3x.protocol.ListEntry;
import dev.pop3x.protocol.UidlEntry;

/**
 * The mailbox as the UIDL at the start of a session showed it, oldest message first. Messages that share a UIDL are
 * byte-identical copies (RFC 1939 §7): they form one mail whose content is delivered once and whose policy applies to
 * every copy. Sizes are known only where LIST was asked ({@link MessageSizes}), -1 elsewhere.
 */
public final class MailboxSnapshot {

    private final List<MailboxMessage> messages;
    private final Map<String, MailboxMessage> firstCopyByUid;
    private final Map<String, List<Integer>> numbersByUid;

    /** From a UIDL alone: no sizes yet. */
    public static MailboxSnapshot unsized(List<UidlEntry> uidl) {
        return new MailboxSnapshot(uidl, List.of());
    }

    /** From a UIDL and a LIST; a message the LIST leaves out has size -1. */
    public MailboxSnapshot(List<UidlEntry> uidl, List<ListEntry> list) {
        this(messagesOf(uidl, sizesOf(list)));
    }

    private MailboxSnapshot(List<MailboxMessage> byNumber) {
        Map<String, MailboxMessage> first = new LinkedHashMap<>(byNumber.size() * 2);
        Map<String, List<Integer>> numbers = new HashMap<>(byNumber.size() * 2);
        for (MailboxMessage m : byNumber) {
            first.putIfAbsent(m.uid(), m);
            numbers.computeIfAbsent(m.uid(), k -> new ArrayList<>(1)).add(m.number());
        }
        this.messages = Collections.unmodifiableList(byNumber);
        this.firstCopyByUid = first;
        this.numbersByUid = numbers;
    }

    private static Map<Integer, Long> sizesOf(List<ListEntry> list) {
        Map<Integer, Long> sizes = new HashMap<>(list.size() * 2);
        for (ListEntry e : list) {
            sizes.put(e.messageNumber(), e.size());
        }
        return sizes;
    }

    private static List<MailboxMessage> messagesOf(List<UidlEntry> uidl, Map<Integer, Long> sizes) {
        List<UidlEntry> byNumber = new ArrayList<>(uidl);
        byNumber.sort(Comparator.comparingInt(UidlEntry::messageNumber)); // servers list in order; not relied upon
        List<MailboxMessage> all = new ArrayList<>(uidl.size());
        for (UidlEntry u : byNumber) {
            all.add(new MailboxMessage(u.messageNumber(), u.uid(), sizes.getOrDefault(u.messageNumber(), -1L)));
        }
        return all;
    }

    /** This snapshot with the sizes of some messages, by number, filled in; the other messages keep theirs. */
    public MailboxSnapshot withSizes(Map<Integer, Long> sizes) {
        if (sizes.isEmpty()) {
            return this;
        }
        List<MailboxMessage> all = new ArrayList<>(messages.size());
        for (MailboxMessage m : messages) {
            Long size = sizes.get(m.number());
            all.add(size == null ? m : new MailboxMessage(m.number(), m.uid(), size));
        }
        return new MailboxSnapshot(all);
    }

    /** Every message, by ascending number (oldest first). */
    public List<MailboxMessage> messages() {
        return messages;
    }

    /** One message per UIDL (the first copy), oldest first. */
    public List<MailboxMessage> distinctMails() {
        return List.copyOf(firstCopyByUid.values());
    }

    /** The first copy of a mail in this session, if its UIDL is on the server. */
    public Optional<MailboxMessage> find(String uid) {
        return Optional.ofNullable(firstCopyByUid.get(uid));
    }

    /** The numbers of every copy of a mail in this session; empty if the UIDL is not on the server. */
    public List<Integer> numbersOf(String uid) {
        return numbersByUid.getOrDefault(uid, List.of());
    }

    public Set<String> uids() {
        return firstCopyByUid.keySet();
    }
}

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
 * The mailbox as one UIDL and one LIST showed it at the start of a session, oldest message first. Messages that share
 * a UIDL are byte-identical copies (RFC 1939 §7): they form one mail whose content is delivered once and whose policy
 * applies to every copy.
 */
public final class MailboxSnapshot {

    private final List<MailboxMessage> messages;
    private final Map<String, MailboxMessage> firstCopyByUid;
    private final Map<String, List<Integer>> numbersByUid;

    public MailboxSnapshot(List<UidlEntry> uidl, List<ListEntry> list) {
        Map<Integer, Long> sizes = new HashMap<>(list.size() * 2);
        for (ListEntry e : list) {
            sizes.put(e.messageNumber(), e.size());
        }
        List<UidlEntry> byNumber = new ArrayList<>(uidl);
        byNumber.sort(Comparator.comparingInt(UidlEntry::messageNumber)); // servers list in order; not relied upon
        List<MailboxMessage> all = new ArrayList<>(uidl.size());
        Map<String, MailboxMessage> first = new LinkedHashMap<>(uidl.size() * 2);
        Map<String, List<Integer>> numbers = new HashMap<>(uidl.size() * 2);
        for (UidlEntry u : byNumber) {
            MailboxMessage m = new MailboxMessage(u.messageNumber(), u.uid(),
                    sizes.getOrDefault(u.messageNumber(), -1L));
            all.add(m);
            first.putIfAbsent(u.uid(), m);
            numbers.computeIfAbsent(u.uid(), k -> new ArrayList<>(1)).add(u.messageNumber());
        }
        this.messages = Collections.unmodifiableList(all);
        this.firstCopyByUid = first;
        this.numbersByUid = numbers;
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

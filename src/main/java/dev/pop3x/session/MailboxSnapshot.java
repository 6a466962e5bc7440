package dev.pop3x.session;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    private final Map<String, List<Integer>> numbersByUid;

    public MailboxSnapshot(List<UidlEntry> uidl, List<ListEntry> list) {
        Map<Integer, Long> sizes = new java.util.HashMap<>();
        list.forEach(e -> sizes.put(e.messageNumber(), e.size()));
        List<MailboxMessage> all = new ArrayList<>(uidl.size());
        Map<String, List<Integer>> byUid = new LinkedHashMap<>();
        uidl.stream().sorted(java.util.Comparator.comparingInt(UidlEntry::messageNumber)).forEach(u -> {
            all.add(new MailboxMessage(u.messageNumber(), u.uid(), sizes.getOrDefault(u.messageNumber(), -1L)));
            byUid.computeIfAbsent(u.uid(), k -> new ArrayList<>(1)).add(u.messageNumber());
        });
        this.messages = Collections.unmodifiableList(all);
        this.numbersByUid = byUid;
    }

    /** Every message, by ascending number (oldest first). */
    public List<MailboxMessage> messages() {
        return messages;
    }

    /** One message per UIDL (the first copy), oldest first. */
    public List<MailboxMessage> distinctMails() {
        List<MailboxMessage> distinct = new ArrayList<>(numbersByUid.size());
        for (MailboxMessage m : messages) {
            if (numbersByUid.get(m.uid()).get(0) == m.number()) {
                distinct.add(m);
            }
        }
        return distinct;
    }

    /** The numbers of every copy of a mail in this session; empty if the UIDL is not on the server. */
    public List<Integer> numbersOf(String uid) {
        return numbersByUid.getOrDefault(uid, List.of());
    }

    public Set<String> uids() {
        return numbersByUid.keySet();
    }
}

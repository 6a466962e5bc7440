package dev.pop3x;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenDataException;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;
import javax.management.openmbean.TabularData;
import javax.management.openmbean.TabularDataSupport;
import javax.management.openmbean.TabularType;

import dev.pop3x.ledger.LedgerEntry;

/** The poison mails of a mailbox as JMX open data, so that jconsole and any remote JMX client can show them. */
final class PoisonMails {

    private static final String[] COLUMNS = { "uid", "attempts", "firstSeen", "lastError" };
    private static final TabularType TYPE;

    static {
        try {
            CompositeType row = new CompositeType("pop3xPoisonMail", "A poison mail", COLUMNS,
                    new String[] { "UIDL", "Failed attempts", "First delivered (ISO-8601)", "Last failure" },
                    new OpenType<?>[] { SimpleType.STRING, SimpleType.INTEGER, SimpleType.STRING, SimpleType.STRING });
            TYPE = new TabularType("pop3xPoisonMails", "The poison mails of a mailbox", row, new String[] { "uid" });
        } catch (OpenDataException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private PoisonMails() {
    }

    static TabularData table(List<LedgerEntry> poison) {
        TabularDataSupport table = new TabularDataSupport(TYPE);
        for (LedgerEntry e : poison) {
            try {
                table.put(new CompositeDataSupport(TYPE.getRowType(), COLUMNS,
                        new Object[] {
                                e.uid(), e.attempts(), firstSeen(e), e.lastError() == null ? "" : e.lastError() }));
            } catch (OpenDataException ex) {
                throw new IllegalStateException(ex);
            }
        }
        return table;
    }

    /** The same, for the dev console's JSON. */
    static Map<String, Object> json(LedgerEntry e) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("uid", e.uid());
        row.put("attempts", e.attempts());
        row.put("firstSeen", firstSeen(e));
        row.put("lastError", e.lastError());
        return row;
    }

    static String firstSeen(LedgerEntry e) {
        return e.firstSeen() == 0 ? "" : Instant.ofEpochMilli(e.firstSeen()).toString();
    }
}

package dev.pop3x;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;

import dev.pop3x.ledger.LedgerEntry;
import org.apache.camel.spi.annotations.DevConsole;
import org.apache.camel.support.console.AbstractDevConsole;
import org.apache.camel.util.URISupport;
import org.apache.camel.util.json.JsonObject;

/**
 * The {@code pop3x} dev console (camel-console): per mailbox, what happened to its mails since the endpoint was
 * created, the last poll, and the poison mails on record. The same numbers as the endpoint's JMX attributes.
 */
@DevConsole(name = "pop3x", displayName = "POP3 (pop3x)", description = "pop3x mailboxes: mails delivered, deleted,"
                                                                        + " failed, poison; last poll")
public class Pop3xDevConsole extends AbstractDevConsole {

    public Pop3xDevConsole() {
        super("camel", "pop3x", "POP3 (pop3x)", "pop3x mailboxes: mails delivered, deleted, failed, poison; last poll");
    }

    private List<Pop3xEndpoint> endpoints() {
        return getCamelContext().getEndpoints().stream()
                .filter(Pop3xEndpoint.class::isInstance).map(Pop3xEndpoint.class::cast).toList();
    }

    @Override
    protected String doCallText(Map<String, Object> options) {
        StringBuilder sb = new StringBuilder();
        for (Pop3xEndpoint e : endpoints()) {
            sb.append(String.format("%nMailbox: %s", e.getMailbox()));
            sb.append(String.format("%n    Uri: %s", URISupport.sanitizeUri(e.getEndpointUri())));
            sb.append(String.format("%n    Delivered: %d", e.getMailsDelivered()));
            sb.append(String.format("%n    In flight: %d", e.getMailsInFlight()));
            sb.append(String.format("%n    Completed: %d", e.getMailsCompleted()));
            sb.append(String.format("%n    Failed: %d", e.getMailsFailed()));
            sb.append(String.format("%n    Poisoned: %d", e.getMailsPoisoned()));
            sb.append(String.format("%n    Deleted: %d", e.getMailsDeleted()));
            sb.append(String.format("%n    Ledger entries: %d", e.getLedgerEntries()));
            Date last = e.getLastPollTime();
            sb.append(String.format("%n    Last poll: %s", last == null ? "-" : last.toInstant()));
            sb.append(String.format("%n    Last poll result: %s",
                    e.getLastPollResult() == null ? "-" : e.getLastPollResult()));
            for (LedgerEntry p : e.poisonMails()) {
                sb.append(String.format("%n    Poison mail: %s (attempts %d, first seen %s): %s", p.uid(), p.attempts(),
                        PoisonMails.firstSeen(p), p.lastError()));
            }
            sb.append(String.format("%n"));
        }
        return sb.toString();
    }

    @Override
    protected Map<String, Object> doCallJson(Map<String, Object> options) {
        List<JsonObject> mailboxes = new ArrayList<>();
        for (Pop3xEndpoint e : endpoints()) {
            JsonObject jo = new JsonObject();
            jo.put("mailbox", e.getMailbox());
            jo.put("uri", URISupport.sanitizeUri(e.getEndpointUri()));
            jo.put("delivered", e.getMailsDelivered());
            jo.put("inFlight", e.getMailsInFlight());
            jo.put("completed", e.getMailsCompleted());
            jo.put("failed", e.getMailsFailed());
            jo.put("poisoned", e.getMailsPoisoned());
            jo.put("deleted", e.getMailsDeleted());
            jo.put("ledgerEntries", e.getLedgerEntries());
            Date last = e.getLastPollTime();
            if (last != null) {
                jo.put("lastPollTime", last.getTime());
                jo.put("lastPollResult", e.getLastPollResult());
            }
            List<Map<String, Object>> poison = new ArrayList<>();
            e.poisonMails().forEach(p -> poison.add(new JsonObject(PoisonMails.json(p))));
            jo.put("poisonMails", poison);
            mailboxes.add(jo);
        }
        JsonObject root = new JsonObject();
        root.put("mailboxes", mailboxes);
        return root;
    }
}

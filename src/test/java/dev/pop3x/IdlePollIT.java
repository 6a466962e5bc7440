package dev.pop3x;

import java.util.List;
import java.util.stream.IntStream;

import dev.pop3x.ledger.Durability;
import dev.pop3x.ledger.FileLedger;
import dev.pop3x.ledger.LedgerEntry;
import dev.pop3x.ledger.MailboxLedger;
import dev.pop3x.ledger.MessageState;
import dev.pop3x.ledger.Transition;
import dev.pop3x.testsupport.CuttingProxy;
import dev.pop3x.testsupport.DovecotExtension;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A poll of a 5,000-mail mailbox whose mails the ledger already knows (kept, delete=false) costs the listing only:
 * the commands the server receives are counted through a proxy.
 */
class IdlePollIT extends DovecotRouteTestSupport {

    private static final int MAILS = 5000;

    @RegisterExtension
    static DovecotExtension dovecot = new DovecotExtension();

    @Override
    DovecotExtension dovecot() {
        return dovecot;
    }

    @Test
    void aPollOfAFullyKnownMailboxSendsNothingPerMessage() throws Exception {
        IntStream.range(0, MAILS).forEach(i -> dovecot.deliver("Subject: kept " + i + "\r\n\r\nmail " + i + "\r\n"));
        List<String> uids = uidsOnServer();
        assertThat(uids).hasSize(MAILS);
        try (CuttingProxy proxy = new CuttingProxy(dovecot.pop3Port())) {
            // the ledger of an earlier run that delivered all of them
            try (MailboxLedger ledger = new FileLedger(ledgerDir).open("alice@127.0.0.1:" + proxy.port())) {
                ledger.apply(uids.stream().map(uid -> new Transition(null,
                        LedgerEntry.claimedFirst(uid, "earlier-run", 1).completed(MessageState.DONE, 2))).toList(),
                        Durability.NOW);
            }
            CamelContext context = startRecording(plainUri(proxy.port(), "delete=false"));
            awaitPolls(3);
            context.stop(); // no poll half done while the commands are counted

            assertThat(received).isEmpty();
            List<String> verbs = proxy.commands().stream().map(c -> c.split(" ")[0]).toList();
            long sessions = verbs.stream().filter("QUIT"::equals).count();
            assertThat(sessions).isGreaterThanOrEqualTo(3);
            assertThat(verbs).containsOnly("CAPA", "AUTH", "UIDL", "LIST", "QUIT");
            assertThat(verbs.stream().filter("UIDL"::equals).count()).isEqualTo(sessions);
            assertThat(verbs.stream().filter("LIST"::equals).count()).isEqualTo(sessions);
        }
    }
}

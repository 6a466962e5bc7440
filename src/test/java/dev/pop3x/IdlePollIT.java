package dev.pop3x;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import dev.pop3x.ledger.Durability;
import dev.pop3x.ledger.FileLedger;
import dev.pop3x.ledger.LedgerEntry;
import dev.pop3x.ledger.MailboxLedger;
import dev.pop3x.ledger.MessageState;
import dev.pop3x.ledger.Transition;
import dev.pop3x.testsupport.CuttingProxy;
import dev.pop3x.testsupport.DovecotExtension;
import dev.pop3x.testsupport.Pop3TestClient;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A poll of a 5,000-mail mailbox whose mails the ledger already knows (kept, delete=false) costs the UIDL only: the
 * commands the server receives and the octets it sends are counted through a proxy. New mails then cost one
 * {@code LIST n} each.
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
    void aPollOfKnownMailsReadsTheUidlOnlyAndNewMailsAreListedOneByOne() throws Exception {
        IntStream.range(0, MAILS).forEach(i -> dovecot.deliver("Subject: kept " + i + "\r\n\r\nmail " + i + "\r\n"));
        List<String> uids = uidsOnServer();
        assertThat(uids).hasSize(MAILS);
        long uidlOctets = uidlAnswerOctets();
        try (CuttingProxy proxy = new CuttingProxy(dovecot.pop3Port())) {
            // the ledger of an earlier run that delivered all of them
            try (MailboxLedger ledger = new FileLedger(ledgerDir).open("alice@127.0.0.1:" + proxy.port())) {
                ledger.apply(uids.stream().map(uid -> new Transition(null,
                        LedgerEntry.claimedFirst(uid, "earlier-run", 1).completed(MessageState.DONE, 2))).toList(),
                        Durability.NOW);
            }
            CamelContext context = startRecording(
                    plainUri(proxy.port(), "delete=false&maxMessageSize=4000&oversizeAction=headers"));
            awaitPolls(3);

            assertThat(received).isEmpty();
            // the sessions that ended; a poll still running may have sent UIDL but not yet QUIT
            List<String> verbs = endedSessions(verbs(proxy));
            long sessions = verbs.stream().filter("QUIT"::equals).count();
            assertThat(sessions).isGreaterThanOrEqualTo(3);
            assertThat(verbs).containsOnly("CAPA", "AUTH", "UIDL", "QUIT");
            assertThat(verbs.stream().filter("UIDL"::equals).count()).isEqualTo(sessions);
            // each whole session (greeting, CAPA, login, UIDL, QUIT) against the UIDL answer alone
            assertThat(proxy.serverOctets().subList(0, (int) sessions))
                    .allSatisfy(octets -> assertThat(octets).isLessThanOrEqualTo(uidlOctets * 105 / 100));

            dovecot.deliver("Subject: new small\r\n\r\nsmall\r\n");
            dovecot.deliver("Subject: new big\r\n\r\n" + "x".repeat(8000) + "\r\n");
            awaitUntil(() -> received.size() == 2);
            awaitPolls(2);
            context.stop(); // no poll half done while the commands are counted

            Map<String, Exchange> bySubject = received.stream()
                    .collect(Collectors.toMap(e -> e.getIn().getHeader("Subject", String.class), e -> e));
            assertThat(bySubject.get("new small").getIn().getHeader(Pop3xConstants.SIZE, Long.class))
                    .isEqualTo(listedSize(MAILS + 1));
            assertThat(bySubject.get("new big").getIn().getHeader(Pop3xConstants.SIZE, Long.class))
                    .isEqualTo(listedSize(MAILS + 2));
            assertThat(bySubject.get("new big").getIn().getHeader(Pop3xConstants.TRUNCATED)).isEqualTo(true);
            assertThat(bySubject.get("new big").getIn().getBody(String.class)).doesNotContain("xxxx");
            assertThat(proxy.commands()).filteredOn(c -> c.startsWith("LIST")).containsExactly("LIST " + (MAILS + 1),
                    "LIST " + (MAILS + 2));
            assertThat(verbs(proxy).stream().filter("UIDL"::equals).count())
                    .isEqualTo(verbs(proxy).stream().filter("QUIT"::equals).count());
        }
    }

    private static List<String> endedSessions(List<String> verbs) {
        return verbs.subList(0, verbs.lastIndexOf("QUIT") + 1);
    }

    private static List<String> verbs(CuttingProxy proxy) {
        return proxy.commands().stream().map(c -> c.split(" ")[0]).toList();
    }

    /** The octets of Dovecot's answer to UIDL (status line to the final "."), counted by a proxy of its own. */
    private static long uidlAnswerOctets() throws Exception {
        try (CuttingProxy measuring = new CuttingProxy(dovecot.pop3Port());
             Pop3TestClient.Session session = Pop3TestClient.Session.login("127.0.0.1", measuring.port(),
                     DovecotExtension.USER, DovecotExtension.PASSWORD)) {
            long before = measuring.serverOctets().get(0);
            assertThat(session.multiline("UIDL")).hasSize(MAILS);
            return measuring.serverOctets().get(0) - before;
        }
    }

    /** The size Dovecot's own LIST n gives, on a connection of the test's. */
    private static long listedSize(int number) {
        try (Pop3TestClient.Session session = Pop3TestClient.Session.login("127.0.0.1", dovecot.pop3Port(),
                DovecotExtension.USER, DovecotExtension.PASSWORD)) {
            return Long.parseLong(session.command("LIST " + number).split(" ")[2]);
        }
    }
}

package dev.pop3x;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.pop3x.RetrievalWindow.Fetched;
import dev.pop3x.RetrievalWindow.Refused;
import dev.pop3x.RetrievalWindow.Retrieved;
import dev.pop3x.ledger.InMemoryLedger;
import dev.pop3x.ledger.MailboxLedger;
import dev.pop3x.ledger.MessageState;
import dev.pop3x.policy.MailboxStatistics;
import dev.pop3x.policy.MessageLifecycle;
import dev.pop3x.policy.OversizeAction;
import dev.pop3x.policy.PoisonAction;
import dev.pop3x.policy.PolicySettings;
import dev.pop3x.policy.PollPlan.Delivery;
import dev.pop3x.protocol.AuthMechanism;
import dev.pop3x.protocol.Pop3ClientOptions;
import dev.pop3x.protocol.Security;
import dev.pop3x.session.Login;
import dev.pop3x.session.MailboxSession;
import dev.pop3x.session.Spool;
import dev.pop3x.testsupport.FaultyPop3Server;
import dev.pop3x.testsupport.TestSpool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The retrieval window on its own: an in-JVM POP3 server, an in-memory ledger, no Camel. */
class RetrievalWindowTest {

    private final FaultyPop3Server server = FaultyPop3Server.start();
    private final MailboxLedger ledger = new InMemoryLedger().open("alice@127.0.0.1:110");
    private final List<SpooledCloser> opened = new ArrayList<>();
    private Poll poll;

    private interface SpooledCloser {
        void close();
    }

    @AfterEach
    void stop() throws IOException {
        opened.forEach(SpooledCloser::close);
        if (poll != null) {
            poll.close();
        }
        server.close();
        ledger.close();
    }

    private MessageLifecycle lifecycle(long maxMessageSize) {
        PolicySettings settings = new PolicySettings(true, 0, 3, PoisonAction.KEEP, false, maxMessageSize,
                OversizeAction.HEADERS, 0, 0, 60_000);
        return new MessageLifecycle(ledger, settings, "me", Clock.systemUTC(), new MailboxStatistics());
    }

    private RetrievalWindow window(MessageLifecycle lifecycle, boolean pipelining, AtomicBoolean mayGoOn)
            throws Exception {
        Pop3ClientOptions options = Pop3ClientOptions.builder().host(server.host()).port(server.port())
                .security(Security.NONE).build();
        Spool spool = new Spool(1024 * 1024, TestSpool.folder());
        Login login = new Login(AuthMechanism.USER, FaultyPop3Server.USER, FaultyPop3Server.PASSWORD, null, false);
        poll = Poll.open(new LoginDelay(Clock.systemUTC()),
                () -> MailboxSession.open(options, login, pipelining, spool),
                lifecycle, null, 0, "127.0.0.1:" + server.port(), () -> true);
        Queue<Delivery> planned = new ArrayDeque<>(lifecycle.plan(poll.snapshot(), poll.session()).deliveries());
        return new RetrievalWindow(poll, lifecycle, planned, 0, mayGoOn::get);
    }

    private void addMails(int count) {
        for (int i = 1; i <= count; i++) {
            server.add("m" + i, "Subject: mail " + i + "\r\n\r\nbody " + i + "\r\n");
        }
    }

    private Fetched fetched(Retrieved answer) {
        assertThat(answer).isInstanceOf(Fetched.class);
        Fetched fetched = (Fetched) answer;
        opened.add(fetched.raw()::close);
        return fetched;
    }

    private int claimed() throws IOException {
        return ledger.find(EnumSet.of(MessageState.IN_FLIGHT)).size();
    }

    @Test
    void handsOutEveryPlannedMailInOrderAndClaimsTheNextWindowWhenHalfOfOneIsRead() throws Exception {
        addMails(150);
        RetrievalWindow window = window(lifecycle(0), true, new AtomicBoolean(true));

        assertThat(fetched(window.next()).claim().uid()).isEqualTo("m1");
        assertThat(claimed()).isEqualTo(RetrievalWindow.WINDOW_MAILS); // one window claimed and requested
        for (int i = 2; i <= 50; i++) {
            assertThat(fetched(window.next()).claim().uid()).isEqualTo("m" + i);
        }
        assertThat(claimed()).isEqualTo(100); // 50 of the first window still unread: the next one not yet requested
        assertThat(fetched(window.next()).claim().uid()).isEqualTo("m51");
        assertThat(claimed()).isEqualTo(150); // half read: the rest is claimed and on its way
        for (int i = 52; i <= 150; i++) {
            assertThat(fetched(window.next()).claim().uid()).isEqualTo("m" + i);
        }
        assertThat(window.next()).isNull();
        assertThat(window.expectedCount()).isEqualTo(150);
    }

    @Test
    void withoutPipeliningAWindowIsOneMail() throws Exception {
        addMails(3);
        RetrievalWindow window = window(lifecycle(0), false, new AtomicBoolean(true));

        assertThat(fetched(window.next()).claim().uid()).isEqualTo("m1");
        assertThat(claimed()).isEqualTo(1);
        assertThat(fetched(window.next()).claim().uid()).isEqualTo("m2");
        assertThat(claimed()).isEqualTo(2);
    }

    @Test
    void aStoppingConsumerGetsWhatWasRequestedButNothingMoreIsClaimed() throws Exception {
        addMails(150);
        AtomicBoolean mayGoOn = new AtomicBoolean(true);
        RetrievalWindow window = window(lifecycle(0), true, mayGoOn);
        fetched(window.next());
        mayGoOn.set(false);

        int handedOut = 1;
        while (window.next() instanceof Fetched f) {
            opened.add(f.raw()::close);
            handedOut++;
        }
        assertThat(handedOut).isEqualTo(RetrievalWindow.WINDOW_MAILS); // the requested answers are read off the socket
        assertThat(claimed()).isEqualTo(RetrievalWindow.WINDOW_MAILS);
    }

    @Test
    void aFailedPollReleasesTheMailsRequestedAndNotHandedOut() throws Exception {
        addMails(10);
        MessageLifecycle lifecycle = lifecycle(0);
        RetrievalWindow window = window(lifecycle, true, new AtomicBoolean(true));
        fetched(window.next());
        fetched(window.next());

        window.releaseUnread(new IOException("the connection broke"));

        assertThat(claimed()).isEqualTo(2); // the two handed out stay claimed: their routes decide
        List<String> again = new ArrayList<>();
        for (Delivery d : lifecycle.plan(poll.snapshot(), poll.session()).deliveries()) {
            again.add(d.uid());
        }
        assertThat(again).containsExactly("m3", "m4", "m5", "m6", "m7", "m8", "m9", "m10");
    }

    @Test
    void aServerWithoutTopRefusesTheHeadersOfAnOversizeMailAndTheSessionGoesOn() throws Exception {
        server.withoutTop();
        server.add("big", "Subject: big\r\n\r\n" + "x".repeat(5000) + "\r\n");
        server.add("small", "Subject: small\r\n\r\nsmall\r\n");
        RetrievalWindow window = window(lifecycle(1000), true, new AtomicBoolean(true));

        Retrieved first = window.next();
        assertThat(first).isInstanceOf(Refused.class);
        assertThat(first.claim().uid()).isEqualTo("big");
        assertThat(fetched(window.next()).claim().uid()).isEqualTo("small");
        assertThat(window.next()).isNull();
        assertThat(window.expectedCount()).isEqualTo(1);
    }
}

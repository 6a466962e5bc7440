package dev.pop3x;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.UnaryOperator;

import dev.pop3x.RetrievalWindow.Fetched;
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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Reading ahead on a second thread: an in-JVM POP3 server, an in-memory ledger, no Camel. The poll thread gets the
 * same answers in the same order as from the window itself; what was read ahead and not handed out when the poll
 * failed is free again; a broken connection reaches the poll thread after the mails read before it.
 */
class DownloadAheadTest {

    private final FaultyPop3Server server = FaultyPop3Server.start();
    private final MailboxLedger ledger = new InMemoryLedger().open("alice@127.0.0.1:110");
    private final MessageLifecycle lifecycle = new MessageLifecycle(ledger,
            new PolicySettings(true, 0, 3, PoisonAction.KEEP, false, 0, OversizeAction.HEADERS, 0, 0, 60_000), "me",
            Clock.systemUTC(), new MailboxStatistics());
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final List<Fetched> handedOut = new ArrayList<>();
    private Poll poll;

    @AfterEach
    void stop() throws IOException {
        handedOut.forEach(f -> f.raw().close());
        if (poll != null) {
            poll.close();
        }
        executor.shutdownNow();
        server.close();
        ledger.close();
    }

    private RetrievalWindow window() throws Exception {
        Pop3ClientOptions options = Pop3ClientOptions.builder().host(server.host()).port(server.port())
                .security(Security.NONE).build();
        Spool spool = new Spool(1024 * 1024, TestSpool.folder());
        Login login = new Login(AuthMechanism.USER, FaultyPop3Server.USER, FaultyPop3Server.PASSWORD, null, false);
        poll = Poll.open(new LoginDelay(Clock.systemUTC()),
                () -> MailboxSession.open(options, login, true, spool),
                lifecycle, null, 0, "127.0.0.1:" + server.port(), () -> true);
        Queue<Delivery> planned = new ArrayDeque<>(lifecycle.plan(poll.snapshot(), poll.session()).deliveries());
        return new RetrievalWindow(poll, lifecycle, planned, 0, () -> true);
    }

    private void addMails(int count) {
        for (int i = 1; i <= count; i++) {
            server.add("m" + i, "Subject: mail " + i + "\r\n\r\nbody " + i + "\r\n");
        }
    }

    private String uidOf(Retrieved answer) {
        assertThat(answer).isInstanceOf(Fetched.class);
        handedOut.add((Fetched) answer);
        return answer.claim().uid();
    }

    private List<String> plannedAgain() throws IOException {
        List<String> uids = new ArrayList<>();
        for (Delivery d : lifecycle.plan(poll.snapshot(), poll.session()).deliveries()) {
            uids.add(d.uid());
        }
        return uids;
    }

    @Test
    void handsOutEveryMailInOrderOverSeveralWindowsThenTheEnd() throws Exception {
        addMails(250);
        RetrievalWindow window = window();

        try (DownloadAhead ahead = DownloadAhead.start(window, lifecycle, executor, 3, UnaryOperator.identity())) {
            for (int i = 1; i <= 250; i++) {
                Retrieved answer = ahead.next();
                assertThat(uidOf(answer)).isEqualTo("m" + i);
                assertThat(new String(((Fetched) answer).raw().bytesInMemory().orElseThrow()))
                        .contains("body " + i + "\r\n");
            }
            assertThat(ahead.next()).isNull();
        }
        assertThat(window.expectedCount()).isEqualTo(250);
        poll.finish(); // the session is in step: QUIT goes through after the reader's last answer
        assertThat(server.count()).isEqualTo(250); // nothing completed, nothing deleted
    }

    @Test
    void aFailedPollReleasesWhatWasReadAheadAndNotHandedOut() throws Exception {
        addMails(40);
        RetrievalWindow window = window();
        DownloadAhead ahead = DownloadAhead.start(window, lifecycle, executor, 5, UnaryOperator.identity());
        uidOf(ahead.next());
        uidOf(ahead.next());

        IOException failure = new IOException("the route's spool could not be read");
        ahead.stop(failure);
        window.releaseUnread(failure);

        // the two handed out stay claimed (their routes decide); every other mail is planned again
        assertThat(ledger.find(EnumSet.of(MessageState.IN_FLIGHT))).hasSize(2);
        List<String> again = plannedAgain();
        assertThat(again).hasSize(38).doesNotContain("m1", "m2").contains("m3", "m40");
        assertThat(failure.getSuppressed()).isEmpty();
    }

    @Test
    void aBrokenConnectionReachesThePollThreadAfterTheMailsReadBeforeIt() throws Exception {
        addMails(10);
        server.dropAt("RETR", 10); // the tenth RETR is the last line of the first (only) window
        RetrievalWindow window = window();

        try (DownloadAhead ahead = DownloadAhead.start(window, lifecycle, executor, 16, UnaryOperator.identity())) {
            List<String> uids = new ArrayList<>();
            assertThatThrownBy(() -> {
                for (Retrieved answer = ahead.next(); answer != null; answer = ahead.next()) {
                    uids.add(uidOf(answer));
                }
            }).isInstanceOf(IOException.class);
            assertThat(uids).containsExactly("m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9");
        }
    }
}

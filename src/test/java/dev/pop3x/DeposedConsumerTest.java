package dev.pop3x;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.pop3x.ledger.Durability;
import dev.pop3x.ledger.InMemoryLedger;
import dev.pop3x.ledger.Ledger;
import dev.pop3x.ledger.LedgerFencedException;
import dev.pop3x.ledger.MailboxLedger;
import dev.pop3x.ledger.Transition;
import dev.pop3x.testsupport.FaultyPop3Server;
import dev.pop3x.testsupport.ForwardingMailboxLedger;
import dev.pop3x.testsupport.LogCapture;
import org.apache.camel.CamelContext;
import org.apache.camel.Consumer;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A consumer without {@code clustered=true} whose ledger another consumer opened since (a newer epoch, as the JDBC
 * ledger takes it) stops polling: no login more, one ERROR line, health DOWN, until its route is restarted, which
 * takes the mailbox back.
 */
class DeposedConsumerTest extends RouteTestSupport {

    private FaultyPop3Server server;
    private final EpochLedger ledger = new EpochLedger();

    @BeforeEach
    void startServer() {
        server = FaultyPop3Server.start();
        beans.put("epochs", ledger);
    }

    @AfterEach
    void stopServer() {
        contexts.forEach(CamelContext::stop);
        server.close();
    }

    @Test
    void aConsumerFencedOutByANewerEpochLogsInNoMoreUntilItsRouteIsRestarted() throws Exception {
        server.add(mail("first"));
        try (LogCapture log = new LogCapture()) {
            CamelContext context = startRecording("pop3x:127.0.0.1:" + server.port()
                                                  + "?security=none&username=alice&password=secret&ledger=#epochs&"
                                                  + commonOptions("delete=true"));
            ConsumerHealth.enable(context);
            awaitUntil(() -> received.size() == 1 && server.count() == 0);

            ledger.openedElsewhere(); // another node or route opened the mailbox's ledger
            awaitUntil(() -> !polls.errors().isEmpty());
            int sessions = server.sessions();
            server.add(mail("second"));
            awaitPolls(5);

            assertThat(server.sessions()).isEqualTo(sessions);
            assertThat(server.count()).isEqualTo(1);
            assertThat(subjects()).containsExactly("first");
            assertThat(ledger.closes).hasValue(1);
            assertThat(polls.errors()).singleElement().satisfies(e -> assertThat(e)
                    .isInstanceOf(ConsumerDeposedException.class).hasCauseInstanceOf(LedgerFencedException.class));
            assertThat(log.at(Level.ERROR, "")).singleElement().satisfies(line -> assertThat(line.message())
                    .startsWith("127.0.0.1:" + server.port() + ": another consumer opened this mailbox's ledger")
                    .contains("clustered=true", "restart this route").doesNotContain("alice", "secret"));
            HealthCheck.Result health = ConsumerHealth.readiness(context);
            assertThat(health.getState()).isEqualTo(HealthCheck.State.DOWN);
            assertThat(health.getDetails()).containsEntry(PollFailure.REASON, "DEPOSED")
                    .containsEntry(PollFailure.MAILBOX, "127.0.0.1:" + server.port());
            assertThat(health.getMessage()).hasValueSatisfying(m -> assertThat(m).startsWith("Deposed"));

            String route = context.getRoutes().get(0).getRouteId();
            context.getRouteController().stopRoute(route);
            context.getRouteController().startRoute(route);

            assertThat(ledger.opens).hasValue(2); // a new epoch: the mailbox is this consumer's again
            awaitUntil(() -> received.size() == 2 && server.count() == 0);
            assertThat(subjects()).containsExactly("first", "second");
            awaitPolls(1);
            assertThat(ConsumerHealth.readiness(context).getState()).isEqualTo(HealthCheck.State.UP);
        }
    }

    @Test
    void aDeposedConsumerThatIsStoppedAndStartedAgainPollsAgain() throws Exception {
        CamelContext context = startRecording("pop3x:127.0.0.1:" + server.port()
                                              + "?security=none&username=alice&password=secret&ledger=#epochs&"
                                              + commonOptions("delete=true"));
        ledger.openedElsewhere();
        awaitUntil(() -> !polls.errors().isEmpty());
        Consumer consumer = context.getRoutes().get(0).getConsumer();

        ServiceHelper.stopService(consumer);
        ServiceHelper.startService(consumer);
        server.add(mail("after the restart"));

        awaitUntil(() -> received.size() == 1 && server.count() == 0);
        assertThat(ledger.opens).hasValue(2);
        assertThat(polls.errors()).singleElement().isInstanceOf(ConsumerDeposedException.class);
    }

    /**
     * One mailbox's entries held under epochs, as the JDBC ledger holds them: each open takes a new epoch, and writes
     * under an older one are refused.
     */
    static final class EpochLedger extends ServiceSupport implements Ledger {
        private final MailboxLedger entries = new InMemoryLedger().open("the mailbox");
        private final AtomicLong epoch = new AtomicLong();
        final AtomicInteger opens = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();

        /** What an open by another consumer does to this one. */
        void openedElsewhere() {
            epoch.incrementAndGet();
        }

        @Override
        public MailboxLedger open(String mailboxKey) {
            opens.incrementAndGet();
            long held = epoch.incrementAndGet();
            return new ForwardingMailboxLedger(entries) {
                @Override
                public List<Transition> apply(List<Transition> transitions, Durability durability) throws IOException {
                    checkEpoch();
                    return super.apply(transitions, durability);
                }

                @Override
                public void awaitDurable() throws IOException {
                    checkEpoch();
                    super.awaitDurable();
                }

                @Override
                public int prune(long seenBefore) throws IOException {
                    checkEpoch();
                    return super.prune(seenBefore);
                }

                @Override
                public long fencingToken() {
                    return held;
                }

                @Override
                public void close() {
                    closes.incrementAndGet(); // the entries stay for the next open
                }

                private void checkEpoch() throws LedgerFencedException {
                    if (epoch.get() != held) {
                        throw new LedgerFencedException("another consumer opened it (epoch " + epoch.get()
                                                        + "; nodes that share a mailbox need clustered=true)");
                    }
                }
            };
        }
    }
}

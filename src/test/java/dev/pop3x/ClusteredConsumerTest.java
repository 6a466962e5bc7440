package dev.pop3x;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.pop3x.ledger.Durability;
import dev.pop3x.ledger.InMemoryLedger;
import dev.pop3x.ledger.Ledger;
import dev.pop3x.ledger.LedgerFencedException;
import dev.pop3x.ledger.MailboxLedger;
import dev.pop3x.ledger.Transition;
import dev.pop3x.testsupport.FaultyPop3Server;
import dev.pop3x.testsupport.ForwardingMailboxLedger;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.cluster.CamelClusterMember;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.cluster.AbstractCamelClusterService;
import org.apache.camel.support.cluster.AbstractCamelClusterView;
import org.apache.camel.support.service.ServiceSupport;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code clustered=true} against a cluster service whose leadership the test decides: a standby never opens a session
 * nor the ledger; leadership is asked before every window and DELE, so a leader that loses it without any event (as a
 * paused ZooKeeper leader does) sends no DELE and no QUIT; a ledger that refuses the epoch deposes the node.
 */
class ClusteredConsumerTest extends RouteTestSupport {

    private FaultyPop3Server server;
    private final FakeClusterService cluster = new FakeClusterService();
    private final CountingLedger ledger = new CountingLedger();

    @BeforeEach
    void startServer() {
        server = FaultyPop3Server.start();
        beans.put("countingLedger", ledger);
        beans.put("cluster", cluster);
    }

    @AfterEach
    void stopServer() {
        contexts.forEach(CamelContext::stop);
        server.close();
    }

    @Override
    void bindBeans(CamelContext context) {
        try {
            context.addService(cluster);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String uri(String options) {
        return "pop3x:127.0.0.1:" + server.port() + "?security=none&username=alice&password=secret&clustered=true"
               + "&ledger=#countingLedger&" + commonOptions(options);
    }

    @Test
    void aStandbyOpensNoSessionAndNoLedgerAndIsUpSayingItIsNotTheLeader() throws Exception {
        server.add(mail("first"));
        CamelContext context = startRecording(uri("delete=true"));
        ConsumerHealth.enable(context);
        awaitPolls(3);

        assertThat(server.sessions()).isZero();
        assertThat(ledger.opens.get()).isZero();
        HealthCheck.Result health = ConsumerHealth.readiness(context);
        assertThat(health.getState()).isEqualTo(HealthCheck.State.UP);
        assertThat(health.getDetails()).containsEntry(LeadershipHealthCheck.LEADER, false)
                .containsEntry(LeadershipHealthCheck.CLUSTER_VIEW, cluster.view.getNamespace());
        assertThat(health.getMessage()).hasValueSatisfying(m -> assertThat(m).startsWith("Standby"));

        cluster.elect();
        awaitUntil(() -> server.count() == 0);
        assertThat(subjects()).containsExactly("first");
        assertThat(ledger.opens.get()).isEqualTo(1); // opened when the leadership came, not before
        assertThat(ConsumerHealth.readiness(context).getDetails()).containsEntry(LeadershipHealthCheck.LEADER, true);
    }

    @Test
    void leadershipLostWithoutAnEventStopsThePollWithoutDeleOrQuitAndTheNextLeadershipFinishesIt() throws Exception {
        server.add(mail("first")).add(mail("second")).add(mail("third"));
        cluster.elect();
        start(uri("delete=true"), (rb, from) -> from.process(e -> {
            received.add(e);
            if (received.size() == 1) {
                cluster.loseSilently(); // the view no longer shows this node leading, and no event says so
            }
        }));
        awaitUntil(() -> ledger.closes.get() == 1); // the poll saw it, stopped and closed the ledger
        awaitPolls(2);

        assertThat(subjects()).containsExactly("first");
        assertThat(server.count("DELE")).isZero();
        assertThat(server.count("QUIT")).isZero();
        assertThat(server.count()).isEqualTo(3); // the completed one too: its DELE was never sent

        cluster.elect();
        awaitUntil(() -> server.count() == 0);
        // the first one was completed and recorded before the loss: deleted by the next leadership, not routed again
        assertThat(subjects()).containsExactly("first", "second", "third");
        assertThat(ledger.opens.get()).isEqualTo(2);
    }

    @Test
    void theLeadershipEventCutsTheSessionOffWhileTheRouteIsStillInAMail() throws Exception {
        server.add(mail("first")).add(mail("second"));
        cluster.elect();
        AtomicBoolean cutWhileInRoute = new AtomicBoolean();
        start(uri("delete=true"), (rb, from) -> from.process(e -> {
            received.add(e);
            if (received.size() == 1) {
                cluster.lose(); // the event, here on the route's thread
                try {
                    await().atMost(WAIT).until(() -> server.openSessions() == 0);
                    cutWhileInRoute.set(true);
                } catch (ConditionTimeoutException stillOpen) {
                    // asserted below
                }
            }
        }));
        awaitUntil(() -> ledger.closes.get() == 1);
        awaitPolls(2);

        assertThat(cutWhileInRoute).isTrue();
        assertThat(subjects()).containsExactly("first");
        assertThat(server.count("DELE")).isZero();
        assertThat(server.count("QUIT")).isZero();
        assertThat(server.count()).isEqualTo(2);
    }

    @Test
    void aLeaderWhoseEpochTheLedgerRefusesSendsNoDeleAndGivesItsLeadershipUp() throws Exception {
        server.add(mail("first"));
        cluster.elect();
        start(uri("delete=true&clusterService=#cluster"), (rb, from) -> from.process(e -> {
            received.add(e);
            if (received.size() == 1) {
                ledger.fenced.set(true); // another node opened the mailbox with a newer epoch
            }
        }));
        awaitUntil(() -> cluster.joins.get() == 2); // left the view and joined it again: a new election
        awaitPolls(2);

        assertThat(subjects()).containsExactly("first");
        assertThat(server.count("DELE")).isZero();
        assertThat(server.count("QUIT")).isZero();
        assertThat(server.count()).isEqualTo(1);

        ledger.fenced.set(false);
        cluster.elect();
        awaitUntil(() -> server.count() == 0);
        // its completion was refused: the mail comes again, the one duplicate
        assertThat(subjects()).containsExactly("first", "first");
    }

    @Test
    void aLeaderWhoseCompletionTheLedgerRefusesRoutesNoMailMoreOfThoseItDownloadedAhead() throws Exception {
        server.add(mail("first"));
        server.add(mail("second"));
        server.add(mail("third"));
        cluster.elect();
        start(uri("delete=true&clusterService=#cluster"), (rb, from) -> from.process(e -> {
            received.add(e);
            ledger.fenced.set(true); // another node opened the mailbox while this mail was in the route
        }));
        awaitUntil(() -> cluster.joins.get() == 2);
        awaitPolls(2);

        // the window had read all three; after the refused completion of the first, none more reaches the route
        assertThat(subjects()).containsExactly("first");
        assertThat(server.count("DELE")).isZero();
        assertThat(server.count("QUIT")).isZero();
        assertThat(server.count()).isEqualTo(3);
    }

    @Test
    void clusteredNeedsOneClusterServiceInTheContextOrANamedOne() throws Exception {
        for (int services = 0; services <= 2; services += 2) {
            CamelContext context = new DefaultCamelContext();
            for (int i = 0; i < services; i++) {
                context.addService(new FakeClusterService());
            }
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("pop3x:127.0.0.1:" + server.port() + "?security=none&username=alice&password=secret"
                         + "&clustered=true&ledgerDirectory=" + ledgerDir).log("never");
                }
            });
            String expected = "clustered=true needs a CamelClusterService: the CamelContext has " + services;
            assertThatThrownBy(context::start).satisfies(e -> assertThat(rootOf(e)).hasMessageContaining(expected));
            context.stop();
        }
        assertThatThrownBy(() -> startRecording("pop3x:127.0.0.1:" + server.port()
                                                + "?security=none&username=alice&password=secret&clusterService=#cluster"))
                .satisfies(e -> assertThat(rootOf(e))
                        .hasMessageContaining("Option clusterService is only used with clustered=true"));
    }

    private static Throwable rootOf(Throwable e) {
        return e.getCause() == null ? e : rootOf(e.getCause());
    }

    @Test
    void theViewNamesTheMailboxWithoutItsUserName() {
        Pop3xConfiguration alice = new Pop3xConfiguration();
        alice.setHost("Mail.Example.COM");
        alice.setPort(995);
        alice.setUsername("alice@example.com");
        Pop3xConfiguration bob = alice.copy();
        bob.setUsername("bob@example.com");

        assertThat(MailboxLeadership.namespace(alice)).matches("pop3x-mail\\.example\\.com-995-[0-9a-f]{16}")
                .doesNotContain("alice").isEqualTo(MailboxLeadership.namespace(alice.copy()))
                .isNotEqualTo(MailboxLeadership.namespace(bob));
    }

    /** A cluster service with one view whose leadership the test sets. */
    static final class FakeClusterService extends AbstractCamelClusterService<FakeView> {
        final AtomicInteger joins = new AtomicInteger();
        volatile boolean leader;
        volatile FakeView view;

        FakeClusterService() {
            super("fake");
        }

        @Override
        protected FakeView createView(String namespace) {
            view = new FakeView(this, namespace);
            return view;
        }

        void elect() {
            leader = true;
            if (view != null) {
                view.changed();
            }
        }

        /** The view stops showing this node as leader, and tells it. */
        void lose() {
            leader = false;
            view.changed();
        }

        /** The view stops showing this node as leader, and no event tells it. */
        void loseSilently() {
            leader = false;
        }
    }

    static final class FakeView extends AbstractCamelClusterView {
        private final FakeClusterService service;
        private final CamelClusterMember local = new CamelClusterMember() {
            @Override
            public boolean isLeader() {
                return service.leader;
            }

            @Override
            public boolean isLocal() {
                return true;
            }

            @Override
            public String getId() {
                return "me";
            }
        };

        FakeView(FakeClusterService service, String namespace) {
            super(service, namespace);
            this.service = service;
        }

        @Override
        protected void doStart() {
            service.joins.incrementAndGet();

        }

        @Override
        protected void doStop() {
            service.leader = false;
            // leaving the view gives the leadership up
        }

        void changed() {
            fireLeadershipChangedEvent(service.leader ? local : null);
        }

        @Override
        public Optional<CamelClusterMember> getLeader() {
            return service.leader ? Optional.of(local) : Optional.empty();
        }

        @Override
        public CamelClusterMember getLocalMember() {
            return local;
        }

        @Override
        public List<CamelClusterMember> getMembers() {
            return List.of(local);
        }
    }

    /** An in-memory ledger that counts opens and closes, and refuses writes while {@code fenced} is set. */
    static final class CountingLedger extends ServiceSupport implements Ledger {
        private final InMemoryLedger delegate = new InMemoryLedger();
        final AtomicInteger opens = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();
        final AtomicBoolean fenced = new AtomicBoolean();

        @Override
        public MailboxLedger open(String mailboxKey) throws IOException {
            opens.incrementAndGet();
            return new ForwardingMailboxLedger(delegate.open(mailboxKey)) {
                @Override
                public List<Transition> apply(List<Transition> transitions, Durability durability) throws IOException {
                    if (fenced.get()) {
                        throw new LedgerFencedException("a newer epoch exists (test)");
                    }
                    return super.apply(transitions, durability);
                }

                @Override
                public void awaitDurable() throws IOException {
                    if (fenced.get()) {
                        throw new LedgerFencedException("a newer epoch exists (test)");
                    }
                    super.awaitDurable();
                }

                @Override
                public void close() throws IOException {
                    closes.incrementAndGet();
                    super.close();
                }
            };
        }
    }
}

package dev.pop3x;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.pop3x.ledger.LedgerFencedException;
import dev.pop3x.testsupport.CuttingProxy;
import dev.pop3x.testsupport.DovecotExtension;
import dev.pop3x.testsupport.LedgerDatabase;
import dev.pop3x.testsupport.LogCapture;
import dev.pop3x.testsupport.ObservedDataSource;
import dev.pop3x.testsupport.PollCounter;
import dev.pop3x.testsupport.PostgresExtension;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.health.HealthCheck;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.ds.PGSimpleDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A route over a real Dovecot whose ledger is kept in a real PostgreSQL ({@code dataSource=#pg}). */
class JdbcLedgerRouteIT extends DovecotRouteTestSupport {

    @RegisterExtension
    static DovecotExtension dovecot = new DovecotExtension();

    @RegisterExtension
    static PostgresExtension postgres = new PostgresExtension().withDatabase("routes");

    @Override
    DovecotExtension dovecot() {
        return dovecot;
    }

    @BeforeEach
    void emptyLedger() throws SQLException {
        LedgerDatabase.dropTables(postgres.pool());
        beans.put("pg", postgres.pool());
    }

    @Test
    void keptMailsAreNotDeliveredAgainAfterARestartAndTheLedgerIsInTheDatabase() throws Exception {
        dovecot.deliver(mail("k1"));
        dovecot.deliver(mail("k2"));
        dovecot.deliver(mail("k3"));
        CamelContext first = startRecording(tlsUri("dataSource=#pg"));
        awaitUntil(() -> received.size() == 3);
        awaitPolls(2);
        first.stop();

        dovecot.deliver(mail("k4"));
        ObservedDataSource observed = new ObservedDataSource(postgres.pool());
        beans.put("pg", observed.dataSource());
        startRecording(tlsUri("dataSource=#pg")); // a restarted application
        awaitUntil(() -> received.size() == 4);
        awaitPolls(1);

        // what an idle poll of a kept mailbox asks of the database: read the snapshot's entries, check the epoch
        // before the prune and at the two barriers of the poll's end; nothing is written
        // counted at poll ends, so no poll is caught half-way at either end of the five
        List<Integer> roundTripsAtPollEnds = new CopyOnWriteArrayList<>();
        polls.atEachPollEnd(() -> roundTripsAtPollEnds.add(observed.roundTrips()));
        awaitUntil(() -> roundTripsAtPollEnds.size() >= 6);
        double perPoll = (roundTripsAtPollEnds.get(5) - roundTripsAtPollEnds.get(0)) / 5.0;
        System.out.printf("JDBC ledger: %.1f statements per idle poll%n", perPoll);
        assertThat(perPoll).isLessThanOrEqualTo(4.5); // 4

        assertThat(subjects()).containsExactlyInAnyOrder("k1", "k2", "k3", "k4");
        assertThat(serverCount()).isEqualTo(4);
        assertThat(ledgerDir).isEmptyDirectory(); // no file ledger beside the database
        assertThat(postgres.psql("SELECT mailbox_key || ' ' || epoch FROM pop3x_mailbox"))
                .isEqualTo(DovecotExtension.USER + "@localhost:" + dovecot.pop3sPort() + " 2");
        assertThat(postgres.psql("SELECT state || ' ' || count(*) FROM pop3x_ledger GROUP BY state"))
                .isEqualTo("DONE 4");
    }

    /**
     * Node A has a mail in its route when node B opens the mailbox (B's epoch fences A). B delivers that mail at once
     * (A's claim is void for B, no claimTimeout to wait for) and deletes it; A's completion is refused by the ledger, so
     * A sends no DELE. Both nodes go through one proxy, so they are the same mailbox to the ledger and every command
     * is counted.
     */
    @Test
    void aDeposedNodeSendsNoDeleAndTheNewHolderTakesItsMailInFlightOver() throws Exception {
        dovecot.deliver(mail("m1"));
        try (CuttingProxy proxy = new CuttingProxy(dovecot.pop3Port())) {
            CountDownLatch releaseA = new CountDownLatch(1);
            start(plainUri(proxy.port(), "delete=true&dataSource=#pg"), (rb, from) -> from.process(e -> {
                received.add(e);
                assertThat(releaseA.await(60, TimeUnit.SECONDS)).isTrue();
            }));
            PollCounter pollsOfA = polls;
            awaitUntil(() -> received.size() == 1);

            List<Exchange> receivedByB = new CopyOnWriteArrayList<>();
            start(plainUri(proxy.port(), "delete=true&dataSource=#pg"), (rb, from) -> from.process(receivedByB::add));
            awaitUntil(() -> receivedByB.size() == 1 && serverCount() == 0);
            assertThat(receivedByB.get(0).getIn().getHeader(Pop3xConstants.ATTEMPT, Integer.class)).isEqualTo(1);

            releaseA.countDown();
            awaitUntil(() -> !pollsOfA.errors().isEmpty());
            assertThat(pollsOfA.errors().get(0)).hasStackTraceContaining(LedgerFencedException.class.getName());
            awaitPolls(2); // B's
            assertThat(proxy.commands()).filteredOn(c -> c.startsWith("DELE")).hasSize(1); // B's
            assertThat(subjects()).containsExactly("m1");
        }
    }

    /**
     * Two routes without clustered=true on one mailbox (what two nodes with the same configuration do): the second
     * one's start takes a new epoch, so the first is deposed at its next poll and logs in no more (told apart at the
     * proxy by their login command: USER for A, AUTH PLAIN for B), while B delivers and deletes. Restarting A's route
     * takes the mailbox back: a new epoch, and A polls again while B is deposed in turn.
     */
    @Test
    void aConsumerWhoseLedgerAnotherOneOpenedLogsInNoMoreUntilItsRouteIsRestarted() throws Exception {
        dovecot.deliver(mail("m1"));
        try (CuttingProxy proxy = new CuttingProxy(dovecot.pop3Port())) {
            List<Exchange> receivedByA = new CopyOnWriteArrayList<>();
            CamelContext a = start(plainUri(proxy.port(), "delete=true&dataSource=#pg&authMechanism=USER"),
                    (rb, from) -> from.process(receivedByA::add));
            ConsumerHealth.enable(a);
            PollCounter pollsOfA = polls;
            awaitUntil(() -> receivedByA.size() == 1 && serverCount() == 0);

            List<Exchange> receivedByB = new CopyOnWriteArrayList<>();
            CamelContext b = start(plainUri(proxy.port(), "delete=true&dataSource=#pg&authMechanism=PLAIN"),
                    (rb, from) -> from.process(receivedByB::add));
            ConsumerHealth.enable(b);
            PollCounter pollsOfB = polls;
            awaitUntil(() -> deposed(pollsOfA));
            long loginsOfA = loginsWith(proxy, "USER ");
            int errorsOfB = pollsOfB.errors().size(); // an [IN-USE] while A's last session was open is not excluded

            dovecot.deliver(mail("m2"));
            dovecot.deliver(mail("m3"));
            awaitUntil(() -> receivedByB.size() == 2 && serverCount() == 0);
            int pollsOfBSoFar = pollsOfB.polls();
            awaitUntil(() -> pollsOfB.polls() >= pollsOfBSoFar + 5); // A would have polled about as often

            assertThat(loginsWith(proxy, "USER ")).isEqualTo(loginsOfA);
            assertThat(pollsOfA.errors()).filteredOn(ConsumerDeposedException.class::isInstance).singleElement()
                    .satisfies(e -> assertThat(e).hasMessageContaining("clustered=true"));
            assertThat(pollsOfA.errors()).last().isInstanceOf(ConsumerDeposedException.class);
            HealthCheck.Result health = ConsumerHealth.readiness(a);
            assertThat(health.getState()).isEqualTo(HealthCheck.State.DOWN);
            assertThat(health.getDetails()).containsEntry(PollFailure.REASON, "DEPOSED");
            assertThat(ConsumerHealth.readiness(b).getState()).isEqualTo(HealthCheck.State.UP);
            assertThat(subjects(receivedByA)).containsExactly("m1");
            assertThat(subjects(receivedByB)).containsExactly("m2", "m3");
            assertThat(pollsOfB.errors()).hasSize(errorsOfB); // no [IN-USE]: A held no session against B's

            String routeOfA = a.getRoutes().get(0).getRouteId();
            a.getRouteController().stopRoute(routeOfA);
            a.getRouteController().startRoute(routeOfA);
            assertThat(epoch()).isEqualTo("3"); // A's start, B's start, A's restart
            dovecot.deliver(mail("m4"));
            awaitUntil(() -> receivedByA.size() == 2 && serverCount() == 0);
            awaitUntil(() -> deposed(pollsOfB)); // B is the deposed one now
            assertThat(loginsWith(proxy, "USER ")).isGreaterThan(loginsOfA);
            assertThat(subjects(receivedByA)).containsExactly("m1", "m4");
            assertThat(subjects(receivedByB)).containsExactly("m2", "m3");
            assertThat(ConsumerHealth.readiness(b).getDetails()).containsEntry(PollFailure.REASON, "DEPOSED");
        }
    }

    private static boolean deposed(PollCounter polls) {
        return polls.errors().stream().anyMatch(ConsumerDeposedException.class::isInstance);
    }

    /** Sessions at the proxy that logged in with this command. */
    private static long loginsWith(CuttingProxy proxy, String command) {
        return proxy.sessions().stream()
                .filter(s -> s.commands().stream().anyMatch(c -> c.line().startsWith(command)))
                .count();
    }

    private static String epoch() throws Exception {
        return postgres.psql("SELECT epoch FROM pop3x_mailbox");
    }

    @Test
    void aDatabaseThatRefusesTheLoginStopsTheRouteFromStartingWithAClearErrorWithoutThePassword() {
        String password = "Db-Secret-0815";
        PGSimpleDataSource refused = new PGSimpleDataSource();
        refused.setURL(postgres.jdbcUrl());
        refused.setUser(postgres.user());
        refused.setPassword(password);
        beans.put("pg", refused);
        dovecot.deliver(mail("never"));
        try (LogCapture log = new LogCapture()) {
            assertThatThrownBy(() -> startRecording(tlsUri("dataSource=#pg")))
                    .hasStackTraceContaining("in the ledger database (option dataSource): FATAL: password"
                                             + " authentication failed for user \"pop3x\"")
                    .satisfies(e -> assertThat(stackTrace(e)).doesNotContain(password));
            assertThat(log.lines()).noneMatch(l -> l.text().contains(password));
        }
        assertThat(received).isEmpty();
        assertThat(serverCount()).isEqualTo(1);
    }

    private static String stackTrace(Throwable e) {
        StringWriter out = new StringWriter();
        e.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}

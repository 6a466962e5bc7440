package dev.pop3x;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

import dev.pop3x.session.AuthenticationFailedException;
import dev.pop3x.session.MailboxUnavailableException;
import dev.pop3x.testsupport.FaultyPop3Server;
import dev.pop3x.testsupport.LogCapture;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Response codes, faults and quirks that real servers produce only sometimes, reproduced on demand with a scriptable
 * RFC 1939 server (DELE takes effect at QUIT, as on real servers). Each test checks what a user sees: what reached
 * the route and how often, what is left on the server, what the log says.
 */
class ServerFaultsIT extends RouteTestSupport {

    private FaultyPop3Server server;
    private LogCapture log;

    @BeforeEach
    void startServer() {
        server = FaultyPop3Server.start();
        log = new LogCapture();
    }

    @AfterEach
    void stopServer() {
        contexts.forEach(CamelContext::stop);
        log.close();
        server.close();
    }

    private String uri(String options) {
        return "pop3x:127.0.0.1:" + server.port() + "?security=none&username=alice&password=secret&"
               + commonOptions(options);
    }

    private List<LogCapture.Line> consumerLines(Level level) {
        return log.lines().stream().filter(l -> l.level() == level && l.logger().equals(PollFailureLog.class.getName()))
                .toList();
    }

    // ---------------------------------------------------------------- response codes

    @Test
    void aLockedMailboxSkipsPollsWithOneWarningThenRecovers() throws Exception {
        server.add(mail("locked"));
        server.failLoginWith("-ERR [IN-USE] Mailbox is locked by another POP3 session.");
        startRecording(uri("delete=true"));

        awaitPolls(6);
        assertThat(polls.errors()).allSatisfy(e -> assertThat(e).isInstanceOf(MailboxUnavailableException.class)
                .hasMessageContaining("in use").hasMessageContaining("alice@127.0.0.1"));
        assertThat(consumerLines(Level.WARN)).hasSize(1);
        assertThat(consumerLines(Level.ERROR)).isEmpty();
        assertThat(received).isEmpty();

        server.clearLoginFailure();
        awaitUntil(() -> received.size() == 1 && server.count() == 0);
        awaitUntil(() -> !log.at(Level.INFO, "polling works again").isEmpty());
    }

    @Test
    void aTemporaryServerProblemIsAWarningAndAPermanentOneAnError() throws Exception {
        server.failLoginWith("-ERR [SYS/TEMP] Try again later");
        startRecording(uri("delete=true"));
        awaitPolls(4);
        assertThat(consumerLines(Level.WARN)).hasSize(1);

        server.failLoginWith("-ERR [SYS/PERM] Mailbox disabled");
        awaitPolls(4);
        assertThat(consumerLines(Level.ERROR)).hasSize(1);
        assertThat(consumerLines(Level.ERROR).get(0).message()).contains("permanent problem");
        assertThat(polls.errors()).last().isInstanceOf(MailboxUnavailableException.class);
    }

    @Test
    void aWrongPasswordNamesUserAndHostOnceAndNeverThePassword() throws Exception {
        server.add(mail("kept"));
        startRecording("pop3x:127.0.0.1:" + server.port() + "?security=none&username=alice&password=Wr0ng-Pa55&"
                       + commonOptions("delete=true"));

        awaitPolls(5);
        assertThat(polls.errors()).allSatisfy(e -> assertThat(e).isInstanceOf(AuthenticationFailedException.class)
                .hasMessageContaining("alice@127.0.0.1:" + server.port()).hasMessageNotContaining("Wr0ng-Pa55"));
        assertThat(consumerLines(Level.ERROR)).hasSize(1);
        assertThat(log.lines()).noneMatch(l -> l.text().contains("Wr0ng-Pa55"));
        assertThat(server.count()).isEqualTo(1);
    }

    @Test
    void anAnnouncedLoginDelayIsRespected() throws Exception {
        server.add(mail("first"));
        server.loginDelay(2);
        startRecording(uri("delete=true"));

        awaitUntil(() -> server.logins() == 1 && received.size() == 1);
        long firstSeen = System.currentTimeMillis();
        server.add(mail("second"));
        awaitUntil(() -> received.size() == 2);
        // the poll delay is 50 ms, the server asked for 2 s between logins
        assertThat(System.currentTimeMillis() - firstSeen).isGreaterThanOrEqualTo(1500);
        assertThat(server.logins()).isEqualTo(2);
    }

    // ---------------------------------------------------------------- faults

    @Test
    void aRefusedConnectionLosesNothing() throws Exception {
        server.add(mail("waiting"));
        server.refuseConnections(true);
        startRecording(uri("delete=true"));
        awaitPolls(3);
        assertThat(polls.errors()).allSatisfy(e -> assertThat(e).isInstanceOf(ConnectException.class));

        server.refuseConnections(false);
        awaitUntil(() -> received.size() == 1 && server.count() == 0);
        awaitPolls(2);
        assertThat(received).hasSize(1);
    }

    @Test
    void aReadTimeoutAbandonsThePollAndTheMailComesOnceLater() throws Exception {
        server.add(mail("slow-server"));
        server.stallAt("RETR", Duration.ofSeconds(3));
        startRecording(uri("delete=true&readTimeout=300"));

        awaitUntil(() -> received.size() == 1 && server.count() == 0);
        awaitPolls(2);
        assertThat(polls.errors()).anySatisfy(e -> assertThat(e).isInstanceOf(SocketTimeoutException.class));
        assertThat(received).hasSize(1);
        assertThat(received.get(0).getIn().getHeader(Pop3xConstants.ATTEMPT)).isEqualTo(1);
    }

    @Test
    void aConnectionCutMidRetrOrMidUidlLosesNothingAndCountsNoAttempt() throws Exception {
        server.add(mail("m1")).add(mail("m2"));
        server.dropAt("UIDL", 1);
        server.dropMidRetr(20);
        startRecording(uri("delete=true"));

        awaitUntil(() -> received.size() == 2 && server.count() == 0);
        awaitPolls(2);
        assertThat(subjects()).containsExactly("m1", "m2");
        assertThat(received).allSatisfy(e -> assertThat(e.getIn().getHeader(Pop3xConstants.ATTEMPT)).isEqualTo(1));
        assertThat(polls.errors()).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void aConnectionCutAtDeleKeepsTheDeleteOwedWithoutRedelivery() throws Exception {
        server.add(mail("d1"));
        server.dropAt("DELE", 1);
        startRecording(uri("delete=true"));

        awaitUntil(() -> server.count() == 0);
        awaitPolls(2);
        assertThat(subjects()).containsExactly("d1");
        assertThat(server.count("RETR")).isEqualTo(1);
    }

    @Test
    void anErrAnswerToQuitKeepsTheDeletesOwedWithoutRedelivery() throws Exception {
        server.add(mail("q1"));
        server.quitAnswer("-ERR some deleted messages not removed");
        startRecording(uri("delete=true"));
        awaitUntil(() -> received.size() == 1 && server.count("QUIT") >= 2);
        assertThat(server.count()).isEqualTo(1); // the server removed nothing

        server.quitAnswer(FaultyPop3Server.QUIT_OK);
        awaitUntil(() -> server.count() == 0);
        awaitPolls(2);
        assertThat(received).hasSize(1);
        assertThat(server.count("RETR")).isEqualTo(1);
    }

    @Test
    void anErrToQuitAfterTheServerDidDeleteCausesNoRedelivery() throws Exception {
        server.add(mail("q2"));
        server.quitAnswerAfterDeleting("-ERR something went wrong");
        startRecording(uri("delete=true"));

        awaitUntil(() -> received.size() == 1 && server.count() == 0);
        awaitPolls(3);
        assertThat(received).hasSize(1);
    }

    @Test
    void aRouteSlowerThanTheServersIdleTimeoutKeepsItsDeletes() throws Exception {
        server.add(mail("slow-route")).add(mail("next"));
        server.idleTimeout(Duration.ofMillis(300), "-ERR [SYS/TEMP] Disconnected for inactivity.");
        start(uri("delete=true"), (rb, from) -> from.process(e -> {
            received.add(e);
            if ("slow-route".equals(e.getIn().getHeader("Subject"))) {
                Thread.sleep(800); // the route's work outlasts the server's patience
            }
        }));

        awaitUntil(() -> server.count() == 0);
        awaitPolls(2);
        assertThat(subjects()).containsExactly("slow-route", "next");
    }

    @Test
    void oneMailTheServerWillNotHandOutDoesNotBlockTheOthersAndEndsAsPoison() throws Exception {
        server.add("a", mail("a")).add("b", mail("b")).add("c", mail("c")).unavailable("b");
        startRecording(uri("delete=true&maxAttempts=2"));

        awaitUntil(() -> received.size() == 2 && server.uids().equals(List.of("b")));
        awaitPolls(4);
        assertThat(subjects()).containsExactly("a", "c");
        assertThat(server.unavailableRetrs()).isEqualTo(2); // maxAttempts, then poison: not asked for again
    }

    // ---------------------------------------------------------------- security

    @Test
    void starttlsRefusesToLogInWhenStlsIsNotOfferedOrFails() throws Exception {
        server.add(mail("private"));
        startRecording("pop3x:127.0.0.1:" + server.port() + "?security=starttls&username=alice&password=secret&"
                       + commonOptions("delete=true"));
        awaitPolls(2);
        assertThat(polls.errors()).allSatisfy(e -> assertThat(e).hasMessageContaining("does not offer STLS"));

        server.capabilities("STLS", "UIDL", "TOP", "USER"); // announced, but the command is refused
        awaitPolls(2);
        assertThat(polls.errors()).last().satisfies(e -> assertThat(e).hasMessageContaining("STLS"));
        assertThat(server.commands())
                .noneMatch(c -> c.startsWith("USER") || c.startsWith("PASS") || c.startsWith("AUTH"));
        assertThat(received).isEmpty();
    }

    // ---------------------------------------------------------------- quirks

    @Test
    void noCapaFallsBackToUserPass() throws Exception {
        server.withoutCapa().add(mail("no-capa"));
        startRecording(uri("delete=true"));
        awaitUntil(() -> received.size() == 1 && server.count() == 0);
        assertThat(server.commands()).contains("USER alice");
    }

    @Test
    void noUidlKeysMailsByAHeaderDigestAndKeepModeStillDeliversOnce() throws Exception {
        server.withoutUidl().add(mail("x1")).add(mail("x2"));
        startRecording(uri("delete=false"));
        awaitUntil(() -> received.size() == 2);
        awaitPolls(4);
        assertThat(subjects()).containsExactly("x1", "x2");
        assertThat(received.stream().map(RouteTestSupport::uidOf)).allMatch(uid -> uid.startsWith("h"))
                .doesNotHaveDuplicates();
        assertThat(log.at(Level.WARN, "has no UIDL")).hasSize(1);
    }

    @Test
    void uidlWithRunsOfWhitespaceAndDuplicateUidlsAreParsedAsOneMail() throws Exception {
        server.uidlSeparator("  \t  ").add("same", mail("copy")).add("same", mail("copy")).add("other", mail("other"));
        startRecording(uri("delete=true"));
        awaitUntil(() -> server.count() == 0);
        awaitPolls(2);
        assertThat(subjects()).containsExactly("copy", "other");
        assertThat(received.stream().map(RouteTestSupport::uidOf)).containsExactly("same", "other");
        assertThat(server.count("DELE")).isEqualTo(3); // both copies of "same"
    }

    @Test
    void listSizesThatDifferFromRetrDoNotCutTheMail() throws Exception {
        String body = "line\r\n".repeat(200);
        server.listSizeDelta(-500).add(mail("sized", body));
        startRecording(uri("delete=true"));
        awaitUntil(() -> received.size() == 1);
        assertThat(received.get(0).getIn().getBody(String.class)).isEqualTo(body + "\r\n");
    }

    @Test
    void newMailsAmongKnownOnesGetTheirSizesByListOfEachAndOneRefusedListStallsNothing() throws Exception {
        for (int i = 1; i <= 10; i++) {
            server.add("k" + i, mail("known " + i));
        }
        startRecording(uri("delete=false&maxMessageSize=2000&oversizeAction=headers"));
        awaitUntil(() -> received.size() == 10);
        awaitPolls(1);
        server.unlisted("gone").add("big", mail("big", "y".repeat(5000))).add("small", mail("small"))
                .add("gone", mail("gone"));

        awaitUntil(() -> received.size() == 13);
        awaitPolls(2);
        assertThat(polls.errors()).isEmpty();
        Map<String, Exchange> byUid = received.stream().skip(10)
                .collect(Collectors.toMap(e -> e.getIn().getHeader(Pop3xConstants.UID, String.class), e -> e));
        assertThat(byUid.get("big").getIn().getHeader(Pop3xConstants.TRUNCATED)).isEqualTo(true);
        assertThat(byUid.get("big").getIn().getBody(String.class)).doesNotContain("yyyy");
        assertThat(byUid.get("small").getIn().getHeader(Pop3xConstants.SIZE, Long.class))
                .isEqualTo(server.contents("small").length());
        assertThat(byUid.get("small").getIn().getHeader(Pop3xConstants.TRUNCATED)).isNull();
        // LIST 13 was refused: the size is unknown, the mail is delivered whole as a mail LIST does not show
        assertThat(byUid.get("gone").getIn().getHeader(Pop3xConstants.SIZE, Long.class)).isEqualTo(-1);
        assertThat(byUid.get("gone").getIn().getBody(String.class)).isEqualTo("body of gone\r\n");
        // the first poll (all new) asked one LIST; the later ones one LIST n per new mail, none for known mails
        assertThat(server.commands()).filteredOn(c -> c.startsWith("LIST")).containsExactly("LIST", "LIST 11",
                "LIST 12", "LIST 13");
    }

    @Test
    void withoutTopOversizeHeadersIsSkippedWithOneWarning() throws Exception {
        server.withoutTop().add(mail("big", "y".repeat(5000))).add(mail("small"));
        startRecording(uri("delete=true&maxMessageSize=2000&oversizeAction=headers"));
        awaitUntil(() -> received.size() == 1);
        awaitPolls(3);
        assertThat(subjects()).containsExactly("small");
        assertThat(server.count()).isEqualTo(1);
        assertThat(log.at(Level.WARN, "refused TOP")).hasSize(1);
    }

    // ---------------------------------------------------------------- Camel integration

    @Test
    void withBridgeErrorHandlerAFailedMailReachesTheErrorHandlerOnce() throws Exception {
        server.add(mail("bridged"));
        List<Exchange> handled = new CopyOnWriteArrayList<>();
        start(uri("delete=true&maxAttempts=1&bridgeErrorHandler=true"), (rb, from) -> from
                .onException(IllegalStateException.class).process(handled::add).end()
                .process(e -> {
                    received.add(e);
                    throw new IllegalStateException("refused");
                }));
        awaitUntil(() -> received.size() == 1);
        awaitPolls(3);
        assertThat(handled).hasSize(1);
        assertThat(handled.get(0).getIn().getHeader("Subject")).isEqualTo("bridged");
    }

    @Test
    void restartingTheRouteWhileAnAsynchronousExchangeIsInFlightDeliversNothingTwice() throws Exception {
        server.add(mail("in-flight"));
        CountDownLatch release = new CountDownLatch(1);
        CamelContext context = start(uri("delete=true"), (rb, from) -> from.routeId("mail").to("seda:work"));
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("seda:work").process(e -> {
                    received.add(e);
                    release.await();
                });
            }
        });
        try {
            awaitUntil(() -> received.size() == 1);
            context.getRouteController().stopRoute("mail");
            context.getRouteController().startRoute("mail");
            awaitPolls(3);
            assertThat(received).hasSize(1);
        } finally {
            release.countDown();
        }
        awaitUntil(() -> server.count() == 0);
        awaitPolls(2);
        assertThat(received).hasSize(1);
        assertThat(log.lines()).noneMatch(l -> l.level() == Level.ERROR);
    }
}

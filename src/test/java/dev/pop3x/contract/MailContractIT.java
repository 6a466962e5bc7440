package dev.pop3x.contract;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.pop3x.Pop3xConstants;
import dev.pop3x.testsupport.PollCounter;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The contract every supported server must pass, written once and run against each server (GreenMail, Dovecot, GNU
 * Mailutils). docs/interoperability.md reports the results. A server that lacks a feature (STLS, usable TLS) has those
 * tests skipped, with the reason.
 */
abstract class MailContractIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path ledgerDir;

    private final List<CamelContext> contexts = new CopyOnWriteArrayList<>();
    private final List<Exchange> received = new CopyOnWriteArrayList<>();
    private PollCounter polls;

    abstract ContractServer server();

    @BeforeEach
    void clear() {
        server().clear();
    }

    @AfterEach
    void stop() {
        contexts.forEach(CamelContext::stop);
    }

    private static String mail(String subject) {
        return "From: sender@example.com\r\nTo: alice@example.com\r\nSubject: " + subject + "\r\nMessage-ID: <"
               + subject
               + "@example.com>\r\n\r\nbody of " + subject + "\r\n";
    }

    private CamelContext consume(String uri, String options, boolean failing) throws Exception {
        CamelContext context = new DefaultCamelContext();
        server().bindBeans(context);
        polls = new PollCounter();
        context.getRegistry().bind("polls", polls);
        String full = uri + (uri.contains("?") ? "&" : "?") + "ledgerDirectory=" + ledgerDir
                      + "&initialDelay=0&delay=50&pollStrategy=#polls&pipelining="
                      + System.getProperty("pop3x.pipelining", "true") + "&" + options;
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from(full).process(e -> {
                    received.add(e);
                    if (failing) {
                        throw new IllegalStateException("the route refuses it");
                    }
                });
            }
        });
        context.start();
        contexts.add(context);
        return context;
    }

    private List<String> subjects() {
        return received.stream().map(e -> e.getIn().getHeader("Subject", String.class)).toList();
    }

    private static void awaitUntil(Callable<Boolean> condition) {
        await().atMost(WAIT).until(condition);
    }

    /** Lets three more polls happen: time for anything unwanted (a redelivery) to show. */
    private void awaitQuietPolls(CamelContext context) {
        int target = polls.polls() + 3;
        awaitUntil(() -> polls.polls() >= target);
    }

    @Test
    void deleteAfterSuccessEmptiesTheMailbox() throws Exception {
        server().deliver(mail("d1"));
        server().deliver(mail("d2"));
        CamelContext context = consume(server().plainUri(), "delete=true", false);

        awaitUntil(() -> received.size() >= 2 && server().count() == 0);
        awaitQuietPolls(context);
        assertThat(subjects()).containsExactlyInAnyOrder("d1", "d2");
        assertThat(received).allSatisfy(e -> {
            assertThat(e.getIn().getHeader(Pop3xConstants.UID, String.class)).isNotBlank();
            assertThat(e.getIn().getHeader(Pop3xConstants.ATTEMPT, Integer.class)).isEqualTo(1);
            assertThat(e.getIn().getHeader(Pop3xConstants.SIZE, Long.class)).isPositive();
            assertThat(e.getIn().getBody(String.class)).startsWith("body of d");
        });
    }

    @Test
    void keepModeDeliversEachMailOnceAcrossARestart() throws Exception {
        server().deliver(mail("k1"));
        server().deliver(mail("k2"));
        CamelContext first = consume(server().plainUri(), "delete=false", false);
        awaitUntil(() -> received.size() >= 2);
        awaitQuietPolls(first);
        first.stop();

        server().deliver(mail("k3"));
        CamelContext second = consume(server().plainUri(), "delete=false", false);
        awaitUntil(() -> received.size() >= 3);
        awaitQuietPolls(second);
        assertThat(subjects()).containsExactlyInAnyOrder("k1", "k2", "k3");
        assertThat(server().count()).isEqualTo(3);
    }

    @Test
    void aFailingRouteLeavesTheMailOnTheServer() throws Exception {
        server().deliver(mail("f1"));
        CamelContext context = consume(server().plainUri(), "delete=true&maxAttempts=2", true);

        awaitUntil(() -> received.size() >= 2);
        awaitQuietPolls(context);
        assertThat(received).extracting(e -> e.getIn().getHeader(Pop3xConstants.ATTEMPT)).containsExactly(1, 2);
        assertThat(server().count()).isEqualTo(1);
    }

    @Test
    void byteIdenticalMailsAreBothDelivered() throws Exception {
        server().deliver(mail("twin"));
        server().deliver(mail("twin"));
        consume(server().plainUri(), "delete=true", false);

        awaitUntil(() -> received.size() >= 2 && server().count() == 0);
        assertThat(received.stream().map(e -> e.getIn().getHeader(Pop3xConstants.UID)).distinct()).hasSize(2);
    }

    @Test
    void newMailsAmongKnownOnesAreSizedForMaxMessageSize() throws Exception {
        for (int i = 1; i <= 5; i++) {
            server().deliver(mail("known" + i));
        }
        CamelContext context = consume(server().plainUri(),
                "delete=false&maxMessageSize=2000&oversizeAction=headers", false);
        awaitUntil(() -> received.size() >= 5);
        awaitQuietPolls(context);
        // few new mails among known ones: their sizes come from LIST n, after the UIDL that may have grown them
        server().deliver(mail("small"));
        server().deliver("From: sender@example.com\r\nTo: alice@example.com\r\nSubject: big\r\n\r\n"
                         + "y".repeat(5000) + "\r\n");

        awaitUntil(() -> received.size() >= 7);
        awaitQuietPolls(context);
        assertThat(subjects()).containsExactlyInAnyOrder("known1", "known2", "known3", "known4", "known5", "small",
                "big");
        Exchange big = received.stream().filter(e -> "big".equals(e.getIn().getHeader("Subject"))).findFirst()
                .orElseThrow();
        assertThat(big.getIn().getHeader(Pop3xConstants.TRUNCATED)).isEqualTo(true);
        assertThat(big.getIn().getHeader(Pop3xConstants.SIZE, Long.class)).isGreaterThan(5000);
        assertThat(big.getIn().getBody(String.class)).doesNotContain("yyyy");
        Exchange small = received.stream().filter(e -> "small".equals(e.getIn().getHeader("Subject"))).findFirst()
                .orElseThrow();
        assertThat(small.getIn().getHeader(Pop3xConstants.TRUNCATED)).isNull();
        assertThat(small.getIn().getHeader(Pop3xConstants.SIZE, Long.class)).isPositive();
        assertThat(small.getIn().getBody(String.class)).startsWith("body of small");
    }

    @Test
    void implicitTls() throws Exception {
        assumeTrue(server().tlsUri() != null, "no usable implicit TLS on this server here");
        server().deliver(mail("tls"));
        consume(server().tlsUri(), "delete=true", false);
        awaitUntil(() -> received.size() >= 1 && server().count() == 0);
        assertThat(subjects()).containsExactly("tls");
    }

    @Test
    void starttls() throws Exception {
        assumeTrue(server().starttlsUri() != null, "the server does not offer STLS");
        server().deliver(mail("stls"));
        consume(server().starttlsUri(), "delete=true", false);
        awaitUntil(() -> received.size() >= 1 && server().count() == 0);
        assertThat(subjects()).containsExactly("stls");
    }
}

package dev.pop3x;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.net.ssl.SSLHandshakeException;

import dev.pop3x.testsupport.CuttingProxy;
import dev.pop3x.testsupport.DovecotExtension;
import dev.pop3x.testsupport.PollCounter;
import dev.pop3x.testsupport.Pop3TestClient;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.jsse.KeyStoreParameters;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.apache.camel.support.jsse.TrustManagersParameters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The delete/keep guarantees of the foundation, against a real Dovecot (DELE is final only after QUIT there).
 */
class DovecotDeliveryTest {

    @RegisterExtension
    static DovecotExtension dovecot = new DovecotExtension();

    @TempDir
    Path ledgerDir;

    private final List<CamelContext> contexts = new CopyOnWriteArrayList<>();
    private final List<Exchange> received = new CopyOnWriteArrayList<>();
    private PollCounter polls;

    @BeforeEach
    void emptyMailbox() throws Exception {
        dovecot.clearMailbox();
    }

    @AfterEach
    void stopContexts() {
        contexts.forEach(CamelContext::stop);
    }

    private static String mail(String subject) {
        return "From: sender@example.com\r\nTo: alice@example.com\r\nSubject: " + subject + "\r\nMessage-ID: <" + subject
               + "@example.com>\r\n\r\nbody of " + subject + "\r\n";
    }

    private String tlsUri(String options) {
        return "pop3x:localhost:" + dovecot.pop3sPort() + "?username=" + DovecotExtension.USER + "&password="
               + DovecotExtension.PASSWORD + "&sslContextParameters=#ssl&ledgerDirectory=" + ledgerDir
               + "&initialDelay=0&delay=50&pollStrategy=#polls&" + options;
    }

    private CamelContext start(String uri, String trustStore, RouteBuilderBody body) throws Exception {
        CamelContext context = new DefaultCamelContext();
        polls = new PollCounter();
        context.getRegistry().bind("polls", polls);
        context.getRegistry().bind("ssl", ssl(trustStore));
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                body.configure(this, from(uri));
            }
        });
        context.start();
        contexts.add(context);
        return context;
    }

    private CamelContext startRecording(String uri) throws Exception {
        return start(uri, dovecot.trustStorePath().toString(), (rb, from) -> from.process(received::add));
    }

    interface RouteBuilderBody {
        void configure(RouteBuilder builder, org.apache.camel.model.RouteDefinition from);
    }

    private SSLContextParameters ssl(String trustStore) {
        KeyStoreParameters ks = new KeyStoreParameters();
        ks.setResource("file:" + trustStore);
        ks.setPassword(dovecot.trustStorePassword());
        ks.setType("PKCS12");
        TrustManagersParameters tm = new TrustManagersParameters();
        tm.setKeyStore(ks);
        SSLContextParameters p = new SSLContextParameters();
        p.setTrustManagers(tm);
        return p;
    }

    private static List<Throwable> causes(Throwable e) {
        List<Throwable> chain = new java.util.ArrayList<>();
        for (Throwable t = e; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    private void awaitPolls(int more) {
        int target = polls.polls() + more;
        await().atMost(Duration.ofSeconds(30)).until(() -> polls.polls() >= target);
    }

    private int serverCount() throws Exception {
        return Pop3TestClient.countMessages("127.0.0.1", dovecot.pop3Port(), DovecotExtension.USER, DovecotExtension.PASSWORD);
    }

    private List<String> subjects() {
        return received.stream().map(e -> e.getIn().getHeader("Subject", String.class)).toList();
    }

    @Test
    void deleteAfterSuccessEmptiesTheMailbox() throws Exception {
        for (String s : List.of("one", "two", "three")) {
            dovecot.deliver(mail(s));
        }
        startRecording(tlsUri("delete=true"));

        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= 3 && serverCount() == 0);
        awaitPolls(3);
        assertThat(subjects()).containsExactlyInAnyOrder("one", "two", "three");
        assertThat(received).allSatisfy(e -> {
            assertThat(e.getIn().getHeader(Pop3xConstants.UID, String.class)).isNotBlank();
            assertThat(e.getIn().getHeader(Pop3xConstants.ATTEMPT, Integer.class)).isEqualTo(1);
            assertThat(e.getIn().getHeader(Pop3xConstants.SIZE, Long.class)).isPositive();
            assertThat(e.getIn().getBody(String.class)).startsWith("body of ");
        });
        assertThat(dovecot.messageCount()).isZero();
    }

    @Test
    void keepModeDeliversEachMailOnceAcrossPollsAndRestart() throws Exception {
        for (String s : List.of("k1", "k2", "k3")) {
            dovecot.deliver(mail(s));
        }
        CamelContext first = startRecording(tlsUri("delete=false"));
        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= 3);
        awaitPolls(5);
        assertThat(subjects()).containsExactlyInAnyOrder("k1", "k2", "k3");
        first.stop();

        // a new CamelContext on the same ledger directory: nothing old comes again, a new mail does
        dovecot.deliver(mail("k4"));
        startRecording(tlsUri("delete=false"));
        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= 4);
        awaitPolls(5);
        assertThat(subjects()).containsExactlyInAnyOrder("k1", "k2", "k3", "k4");
        assertThat(serverCount()).isEqualTo(4);
    }

    @Test
    void aFailingRouteLeavesTheMailOnTheServerAndItIsDeliveredAgain() throws Exception {
        dovecot.deliver(mail("good"));
        dovecot.deliver(mail("bad"));
        List<Integer> badAttempts = new CopyOnWriteArrayList<>();
        start(tlsUri("delete=true"), dovecot.trustStorePath().toString(), (rb, from) -> from.process(e -> {
            received.add(e);
            if ("bad".equals(e.getIn().getHeader("Subject"))) {
                badAttempts.add(e.getIn().getHeader(Pop3xConstants.ATTEMPT, Integer.class));
                throw new IllegalStateException("route refuses this mail");
            }
        }));

        await().atMost(Duration.ofSeconds(30)).until(() -> badAttempts.size() >= 3 && serverCount() == 1);
        assertThat(badAttempts.subList(0, 3)).containsExactly(1, 2, 3);
        assertThat(subjects().stream().filter("good"::equals)).hasSize(1);
        assertThat(Pop3TestClient.uids("127.0.0.1", dovecot.pop3Port(), DovecotExtension.USER, DovecotExtension.PASSWORD))
                .containsExactly(received.stream().filter(e -> "bad".equals(e.getIn().getHeader("Subject")))
                        .map(e -> e.getIn().getHeader(Pop3xConstants.UID, String.class)).findFirst().orElseThrow());
    }

    @Test
    void twoByteIdenticalMailsAreBothDelivered() throws Exception {
        dovecot.deliver(mail("twin"));
        dovecot.deliver(mail("twin"));
        startRecording(tlsUri("delete=true"));

        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= 2 && serverCount() == 0);
        awaitPolls(2);
        assertThat(subjects()).containsExactly("twin", "twin");
        assertThat(received.stream().map(e -> e.getIn().getHeader(Pop3xConstants.UID)).distinct()).hasSize(2);
    }

    @Test
    void starttlsWorks() throws Exception {
        dovecot.deliver(mail("over-stls"));
        String uri = "pop3x:localhost:" + dovecot.pop3Port() + "?security=starttls&username=" + DovecotExtension.USER
                     + "&password=" + DovecotExtension.PASSWORD + "&sslContextParameters=#ssl&ledgerDirectory=" + ledgerDir
                     + "&initialDelay=0&delay=50&pollStrategy=#polls&delete=true";
        startRecording(uri);

        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= 1 && serverCount() == 0);
        assertThat(subjects()).containsExactly("over-stls");
        assertThat(polls.errors()).isEmpty();
    }

    @Test
    void anUntrustedCertificateIsRefusedAndNothingIsTouched() throws Exception {
        dovecot.deliver(mail("secret"));
        start(tlsUri("delete=true"), dovecot.untrustedTrustStorePath().toString(), (rb, from) -> from.process(received::add));

        await().atMost(Duration.ofSeconds(30)).until(() -> polls.errors().size() >= 2);
        assertThat(polls.errors()).allSatisfy(e -> assertThat(causes(e)).hasAtLeastOneElementOfType(SSLHandshakeException.class));
        assertThat(received).isEmpty();
        assertThat(serverCount()).isEqualTo(1);
    }

    @Test
    void aConnectionCutAtQuitDeletesNothingAndTheDeletesAreAppliedNextPollWithoutRedelivery() throws Exception {
        dovecot.deliver(mail("c1"));
        dovecot.deliver(mail("c2"));
        try (CuttingProxy proxy = new CuttingProxy(dovecot.pop3Port())) {
            proxy.cutAt("QUIT");
            String uri = "pop3x:localhost:" + proxy.port() + "?security=none&username=" + DovecotExtension.USER
                         + "&password=" + DovecotExtension.PASSWORD + "&ledgerDirectory=" + ledgerDir
                         + "&initialDelay=0&delay=50&pollStrategy=#polls&delete=true";
            startRecording(uri);

            await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= 2 && proxy.cuts() >= 2);
            // DELE without a completed QUIT deletes nothing on a real server
            assertThat(serverCount()).isEqualTo(2);
            assertThat(subjects()).containsExactlyInAnyOrder("c1", "c2");

            proxy.cutAt(null);
            await().atMost(Duration.ofSeconds(30)).until(() -> serverCount() == 0);
            awaitPolls(2);
            assertThat(subjects()).containsExactlyInAnyOrder("c1", "c2");
            assertThat(proxy.commands()).filteredOn(c -> c.startsWith("RETR")).hasSize(2);
        }
    }

    @Test
    void anAsynchronousRouteDecidesWhenItsWorkReallyEnds() throws Exception {
        dovecot.deliver(mail("async-good"));
        dovecot.deliver(mail("async-bad"));
        List<Integer> badAttempts = new CopyOnWriteArrayList<>();
        CamelContext context = start(tlsUri("delete=true"), dovecot.trustStorePath().toString(),
                (rb, from) -> from.to("seda:work"));
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                // the second half of the route runs on another thread, after the poll handed the Exchange over
                from("seda:work").process(e -> {
                    received.add(e);
                    if ("async-bad".equals(e.getIn().getHeader("Subject"))) {
                        badAttempts.add(e.getIn().getHeader(Pop3xConstants.ATTEMPT, Integer.class));
                        throw new IllegalStateException("fails after the handover");
                    }
                });
            }
        });

        await().atMost(Duration.ofSeconds(30)).until(() -> badAttempts.size() >= 2 && serverCount() == 1);
        assertThat(subjects().stream().filter("async-good"::equals)).hasSize(1);
        assertThat(badAttempts.subList(0, 2)).containsExactly(1, 2);
        assertThat(Pop3TestClient.uids("127.0.0.1", dovecot.pop3Port(), DovecotExtension.USER, DovecotExtension.PASSWORD))
                .hasSize(1);
    }
}

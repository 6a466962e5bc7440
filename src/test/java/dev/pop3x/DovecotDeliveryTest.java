package dev.pop3x;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.net.ssl.SSLHandshakeException;

import dev.pop3x.testsupport.CuttingProxy;
import dev.pop3x.testsupport.DovecotExtension;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The delete/keep guarantees of the foundation, against a real Dovecot (DELE is final only after QUIT there).
 */
class DovecotDeliveryTest extends DovecotRouteTestSupport {

    @RegisterExtension
    static DovecotExtension dovecot = new DovecotExtension();

    @Override
    DovecotExtension dovecot() {
        return dovecot;
    }

    @Test
    void deleteAfterSuccessEmptiesTheMailbox() throws Exception {
        for (String s : List.of("one", "two", "three")) {
            dovecot.deliver(mail(s));
        }
        startRecording(tlsUri("delete=true"));

        awaitUntil(() -> received.size() >= 3 && serverCount() == 0);
        awaitPolls(3);
        assertThat(subjects()).containsExactlyInAnyOrder("one", "two", "three");
        assertThat(received).allSatisfy(e -> {
            assertThat(uidOf(e)).isNotBlank();
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
        awaitUntil(() -> received.size() >= 3);
        awaitPolls(5);
        assertThat(subjects()).containsExactlyInAnyOrder("k1", "k2", "k3");
        first.stop();

        // a new CamelContext on the same ledger directory: nothing old comes again, a new mail does
        dovecot.deliver(mail("k4"));
        startRecording(tlsUri("delete=false"));
        awaitUntil(() -> received.size() >= 4);
        awaitPolls(5);
        assertThat(subjects()).containsExactlyInAnyOrder("k1", "k2", "k3", "k4");
        assertThat(serverCount()).isEqualTo(4);
    }

    @Test
    void aFailingRouteLeavesTheMailOnTheServerAndItIsDeliveredAgain() throws Exception {
        dovecot.deliver(mail("good"));
        dovecot.deliver(mail("bad"));
        List<Integer> badAttempts = new CopyOnWriteArrayList<>();
        start(tlsUri("delete=true&maxAttempts=0"), (rb, from) -> from.process(e -> {
            received.add(e);
            if ("bad".equals(e.getIn().getHeader("Subject"))) {
                badAttempts.add(e.getIn().getHeader(Pop3xConstants.ATTEMPT, Integer.class));
                throw new IllegalStateException("route refuses this mail");
            }
        }));

        awaitUntil(() -> badAttempts.size() >= 5 && serverCount() == 1);
        assertThat(badAttempts.subList(0, 5)).containsExactly(1, 2, 3, 4, 5);
        assertThat(subjects().stream().filter("good"::equals)).hasSize(1);
        String badUid = received.stream().filter(e -> "bad".equals(e.getIn().getHeader("Subject"))).map(
                RouteTestSupport::uidOf).findFirst().orElseThrow();
        assertThat(uidsOnServer()).containsExactly(badUid);
    }

    @Test
    void twoByteIdenticalMailsAreBothDelivered() throws Exception {
        dovecot.deliver(mail("twin"));
        dovecot.deliver(mail("twin"));
        startRecording(tlsUri("delete=true"));

        awaitUntil(() -> received.size() >= 2 && serverCount() == 0);
        awaitPolls(2);
        assertThat(subjects()).containsExactly("twin", "twin");
        assertThat(received.stream().map(RouteTestSupport::uidOf).distinct()).hasSize(2);
    }

    @Test
    void starttlsWorks() throws Exception {
        dovecot.deliver(mail("over-stls"));
        startRecording("pop3x:localhost:" + dovecot.pop3Port() + "?security=starttls&sslContextParameters=#ssl&username="
                       + DovecotExtension.USER + "&password=" + DovecotExtension.PASSWORD + "&" + commonOptions("delete=true"));

        awaitUntil(() -> received.size() >= 1 && serverCount() == 0);
        assertThat(subjects()).containsExactly("over-stls");
        assertThat(polls.errors()).isEmpty();
    }

    @Test
    void anUntrustedCertificateIsRefusedAndNothingIsTouched() throws Exception {
        dovecot.deliver(mail("secret"));
        trustStore = dovecot.untrustedTrustStorePath();
        startRecording(tlsUri("delete=true"));

        awaitUntil(() -> polls.errors().size() >= 2);
        assertThat(polls.errors()).allSatisfy(e -> assertThat(causes(e)).hasAtLeastOneElementOfType(SSLHandshakeException.class));
        assertThat(received).isEmpty();
        assertThat(serverCount()).isEqualTo(1);
    }

    private static List<Throwable> causes(Throwable e) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = e; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    @Test
    void aConnectionCutAtQuitDeletesNothingAndTheDeletesAreAppliedNextPollWithoutRedelivery() throws Exception {
        dovecot.deliver(mail("c1"));
        dovecot.deliver(mail("c2"));
        try (CuttingProxy proxy = new CuttingProxy(dovecot.pop3Port())) {
            proxy.cutAt("QUIT");
            startRecording(plainUri(proxy.port(), "delete=true"));

            awaitUntil(() -> received.size() >= 2 && proxy.cuts() >= 2);
            // DELE without a completed QUIT deletes nothing on a real server
            assertThat(serverCount()).isEqualTo(2);
            assertThat(subjects()).containsExactlyInAnyOrder("c1", "c2");

            proxy.cutAt(null);
            awaitUntil(() -> serverCount() == 0);
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
        CamelContext context = start(tlsUri("delete=true"), (rb, from) -> from.to("seda:work"));
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

        awaitUntil(() -> badAttempts.size() >= 2 && serverCount() == 1);
        assertThat(subjects().stream().filter("async-good"::equals)).hasSize(1);
        assertThat(badAttempts.subList(0, 2)).containsExactly(1, 2);
        assertThat(uidsOnServer()).hasSize(1);
    }
}

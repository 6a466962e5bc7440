package dev.pop3x;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.pop3x.testsupport.CuttingProxy;
import dev.pop3x.testsupport.DovecotExtension;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every policy option against a real Dovecot: attempts, poison, dead letter, retention, size, caps, commitEvery.
 */
class DovecotPolicyIT extends DovecotRouteTestSupport {

    @RegisterExtension
    static DovecotExtension dovecot = new DovecotExtension();

    private final List<Exchange> dead = new CopyOnWriteArrayList<>();

    @Override
    DovecotExtension dovecot() {
        return dovecot;
    }

    /** A route that fails every mail whose subject starts with "bad", and a dead letter route that records. */
    private CamelContext startFailingBad(String uri) throws Exception {
        CamelContext context = start(uri, (rb, from) -> from.process(e -> {
            received.add(e);
            if (e.getIn().getHeader("Subject", String.class).startsWith("bad")) {
                throw new IllegalStateException("route refuses " + e.getIn().getHeader("Subject"));
            }
        }));
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:dead").process(dead::add);
            }
        });
        return context;
    }

    private List<Exchange> receivedWithSubject(String subject) {
        return received.stream().filter(e -> subject.equals(e.getIn().getHeader("Subject"))).toList();
    }

    @Test
    void aFailingMailIsRetriedExactlyMaxAttemptsTimesThenDeadLetteredOnceAndKept() throws Exception {
        dovecot.deliver(mail("good"));
        dovecot.deliver(mail("bad"));
        startFailingBad(tlsUri("delete=true&maxAttempts=3&deadLetterUri=direct:dead"));

        awaitUntil(() -> dead.size() >= 1 && serverCount() == 1);
        awaitPolls(5);
        List<Exchange> bad = receivedWithSubject("bad");
        assertThat(bad).extracting(e -> e.getIn().getHeader(Pop3xConstants.ATTEMPT)).containsExactly(1, 2, 3);
        assertThat(receivedWithSubject("good")).hasSize(1);
        assertThat(dead).hasSize(1);
        Exchange letter = dead.get(0);
        assertThat(letter.getIn().getHeader(Pop3xConstants.UID)).isEqualTo(uidOf(bad.get(0)));
        assertThat(letter.getIn().getHeader(Pop3xConstants.ATTEMPT)).isEqualTo(3);
        assertThat(letter.getIn().getHeader(Exchange.EXCEPTION_CAUGHT, String.class)).contains("route refuses bad");
        assertThat(letter.getIn().getHeader("Subject")).isEqualTo("bad");
        assertThat(letter.getIn().getBody(String.class)).isEqualTo(mail("bad"));
        // poisonAction=keep: never delivered again, still on the server
        assertThat(uidsOnServer()).containsExactly(uidOf(bad.get(0)));
    }

    @Test
    void poisonActionDeleteRemovesThePoisonMail() throws Exception {
        dovecot.deliver(mail("bad-once"));
        startFailingBad(tlsUri("delete=false&maxAttempts=1&poisonAction=delete"));

        awaitUntil(() -> serverCount() == 0);
        awaitPolls(2);
        assertThat(receivedWithSubject("bad-once")).hasSize(1);
    }

    @Test
    void aDeadLetterEndpointThatFailsIsTriedAgainOnTheNextPollWithoutTheRoute() throws Exception {
        dovecot.deliver(mail("bad-dlq"));
        AtomicInteger deadCalls = new AtomicInteger();
        CamelContext context = start(tlsUri("delete=true&maxAttempts=1&poisonAction=delete&deadLetterUri=direct:flaky"),
                (rb, from) -> from.process(e -> {
                    received.add(e);
                    throw new IllegalStateException("route refuses it");
                }));
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:flaky").process(e -> {
                    if (deadCalls.incrementAndGet() == 1) {
                        throw new IllegalStateException("dead letter store is down");
                    }
                    dead.add(e);
                });
            }
        });

        awaitUntil(() -> dead.size() == 1 && serverCount() == 0);
        assertThat(received).hasSize(1);
        assertThat(deadCalls.get()).isEqualTo(2);
        assertThat(dead.get(0).getIn().getHeader(Exchange.EXCEPTION_CAUGHT, String.class)).contains("route refuses it");
        assertThat(dead.get(0).getIn().getBody(String.class)).isEqualTo(mail("bad-dlq"));
    }

    @Test
    void retentionDeletesAKeptMailOnlyAfterDeleteAfter() throws Exception {
        dovecot.deliver(mail("retained"));
        AtomicLong deliveredAt = new AtomicLong();
        start(tlsUri("delete=false&deleteAfter=1500"), (rb, from) -> from.process(e -> {
            received.add(e);
            deliveredAt.compareAndSet(0, System.currentTimeMillis());
        }));

        awaitUntil(() -> serverCount() == 0);
        long goneAt = System.currentTimeMillis();
        assertThat(goneAt - deliveredAt.get()).isGreaterThanOrEqualTo(1500);
        assertThat(subjects()).containsExactly("retained");
    }

    private static String big(String subject) {
        return mail(subject, "x".repeat(76) + ("\r\n" + "x".repeat(76)).repeat(80)); // about 6.3 KB
    }

    @Test
    void oversizeSkipLeavesTheMailAndNeverDeliversIt() throws Exception {
        dovecot.deliver(mail("small"));
        dovecot.deliver(big("big"));
        startRecording(tlsUri("delete=true&maxMessageSize=4000&oversizeAction=skip"));

        awaitUntil(() -> received.size() >= 1 && serverCount() == 1);
        awaitPolls(3);
        assertThat(subjects()).containsExactly("small");
    }

    @Test
    void oversizeHeadersDeliversTheHeaderOnceAndNeverDeletesIt() throws Exception {
        dovecot.deliver(big("big-headers"));
        startRecording(tlsUri("delete=true&maxMessageSize=4000&oversizeAction=headers"));

        awaitUntil(() -> received.size() >= 1);
        awaitPolls(3);
        assertThat(received).hasSize(1);
        Exchange e = received.get(0);
        assertThat(e.getIn().getHeader(Pop3xConstants.TRUNCATED)).isEqualTo(true);
        assertThat(e.getIn().getHeader("Subject")).isEqualTo("big-headers");
        assertThat(e.getIn().getHeader(Pop3xConstants.SIZE, Long.class)).isGreaterThan(4000);
        assertThat(e.getIn().getBody(String.class)).doesNotContain("xxxx");
        assertThat(serverCount()).isEqualTo(1);
    }

    @Test
    void oversizeDeleteRemovesTheMailWithoutDeliveringIt() throws Exception {
        dovecot.deliver(mail("small-kept"));
        dovecot.deliver(big("big-deleted"));
        startRecording(tlsUri("delete=false&maxMessageSize=4000&oversizeAction=delete"));

        awaitUntil(() -> received.size() >= 1 && serverCount() == 1);
        awaitPolls(2);
        assertThat(subjects()).containsExactly("small-kept");
    }

    @Test
    void maxBytesPerPollSpreadsABacklogOverPollsOldestFirst() throws Exception {
        for (int i = 1; i <= 4; i++) {
            dovecot.deliver(big("b" + i));
        }
        startRecording(tlsUri("delete=true&maxBytesPerPoll=7000"));

        awaitUntil(() -> received.size() >= 4 && serverCount() == 0);
        assertThat(subjects()).containsExactly("b1", "b2", "b3", "b4");
        assertThat(received).allSatisfy(e -> assertThat(e.getProperty(ExchangePropertyKey.BATCH_SIZE)).isEqualTo(2));
    }

    @Test
    void maxMessagesPerPollCapsEachPoll() throws Exception {
        for (int i = 1; i <= 3; i++) {
            dovecot.deliver(mail("m" + i));
        }
        startRecording(tlsUri("delete=true&maxMessagesPerPoll=1"));

        awaitUntil(() -> received.size() >= 3 && serverCount() == 0);
        assertThat(subjects()).containsExactly("m1", "m2", "m3");
        assertThat(received).allSatisfy(e -> assertThat(e.getProperty(ExchangePropertyKey.BATCH_SIZE)).isEqualTo(1));
    }

    @Test
    void commitEveryMakesDeletesFinalInStepsAndACutLosesAtMostThatMany() throws Exception {
        for (int i = 1; i <= 6; i++) {
            dovecot.deliver(mail("c" + i));
        }
        try (CuttingProxy proxy = new CuttingProxy(dovecot.pop3Port())) {
            proxy.cutOnceAt("QUIT", 2);
            startRecording(plainUri(proxy.port(), "delete=true&commitEvery=2"));

            awaitUntil(() -> proxy.cuts() == 1);
            // the first QUIT made 2 deletes final; the cut one lost its 2; nothing else was deleted
            assertThat(serverCount()).isEqualTo(4);
            assertThat(received).hasSizeGreaterThanOrEqualTo(4); // 4 one by one, 6 with pipelined windows

            proxy.resume();
            awaitUntil(() -> serverCount() == 0);
            awaitPolls(2);
            assertThat(subjects()).containsExactly("c1", "c2", "c3", "c4", "c5", "c6");
            assertThat(proxy.commands()).filteredOn(c -> c.startsWith("RETR")).hasSize(6);
            // 6 deletes, plus the 2 the cut lost, re-applied once
            assertThat(proxy.commands()).filteredOn(c -> c.startsWith("DELE")).hasSize(8);
        }
    }

    @Test
    void aMailInFlightOnAnAsynchronousRouteIsNotDownloadedAgainUntilItCompletes() throws Exception {
        dovecot.deliver(mail("slow"));
        CountDownLatch release = new CountDownLatch(1);
        try (CuttingProxy proxy = new CuttingProxy(dovecot.pop3Port())) {
            CamelContext context = start(plainUri(proxy.port(), "delete=true"), (rb, from) -> from.to("seda:slow"));
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("seda:slow").process(e -> {
                        received.add(e);
                        release.await(); // the route's work takes as long as the test says
                    });
                }
            });

            awaitUntil(() -> received.size() == 1);
            awaitPolls(5); // five polls while the mail is in flight
            assertThat(proxy.commands()).filteredOn(c -> c.startsWith("RETR")).hasSize(1);
            assertThat(serverCount()).isEqualTo(1);

            release.countDown();
            awaitUntil(() -> serverCount() == 0);
            assertThat(received).hasSize(1);
            assertThat(proxy.commands()).filteredOn(c -> c.startsWith("RETR")).hasSize(1);
        }
    }

    @Test
    void aClaimOlderThanClaimTimeoutExpiresAndTheMailIsDeliveredAgain() throws Exception {
        dovecot.deliver(mail("stuck"));
        CountDownLatch unstick = new CountDownLatch(1);
        CamelContext context = start(tlsUri("delete=true&claimTimeout=300"), (rb, from) -> from.to("seda:stuck"));
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("seda:stuck?concurrentConsumers=2").process(e -> {
                    received.add(e);
                    if (received.size() == 1) {
                        unstick.await(); // the first delivery hangs, as a stuck route would
                    }
                });
            }
        });

        try {
            awaitUntil(() -> received.size() >= 2 && serverCount() == 0);
            assertThat(received).extracting(RouteTestSupport::uidOf).containsOnly(uidOf(received.get(0)));
        } finally {
            unstick.countDown();
        }
    }
}

package dev.pop3x;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLHandshakeException;

import dev.pop3x.ledger.Durability;
import dev.pop3x.ledger.InMemoryLedger;
import dev.pop3x.ledger.Ledger;
import dev.pop3x.ledger.MailboxLedger;
import dev.pop3x.ledger.MessageState;
import dev.pop3x.ledger.Transition;
import dev.pop3x.testsupport.CuttingProxy;
import dev.pop3x.testsupport.DovecotExtension;
import dev.pop3x.testsupport.ForwardingMailboxLedger;
import dev.pop3x.testsupport.LogCapture;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.support.service.ServiceSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Dovecot-specific delivery checks beyond the contract suite (dev.pop3x.contract): an untrusted certificate, a
 * connection cut at QUIT (DELE is final only after QUIT on a real server), an asynchronous route.
 */
class DovecotDeliveryIT extends DovecotRouteTestSupport {

    @RegisterExtension
    static DovecotExtension dovecot = new DovecotExtension().withConfig("auth_mechanisms = plain login xoauth2");

    @Override
    DovecotExtension dovecot() {
        return dovecot;
    }

    @Test
    void anUntrustedCertificateIsRefusedAndNothingIsTouched() throws Exception {
        dovecot.deliver(mail("secret"));
        trustStore = dovecot.untrustedTrustStorePath();
        startRecording(tlsUri("delete=true"));

        awaitUntil(() -> polls.errors().size() >= 2);
        assertThat(polls.errors())
                .allSatisfy(e -> assertThat(causes(e)).hasAtLeastOneElementOfType(SSLHandshakeException.class));
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

    /** Dovecot checks an XOAUTH2 bearer token against its passdb like a password: the test password is the valid token. */
    @Test
    void xoauth2AsksTheTokenProviderAtEveryConnect() throws Exception {
        dovecot.deliver(mail("oauth"));
        AtomicInteger tokensIssued = new AtomicInteger();
        AccessTokenProvider provider = () -> {
            tokensIssued.incrementAndGet();
            return DovecotExtension.PASSWORD;
        };
        String uri = "pop3x:localhost:" + dovecot.pop3sPort() + "?sslContextParameters=#ssl&username="
                     + DovecotExtension.USER
                     + "&authMechanism=xoauth2&accessTokenProvider=#tokens&xoauth2InitialResponse=false&"
                     + commonOptions("delete=true");
        beans.put("tokens", provider);
        startRecording(uri);

        awaitUntil(() -> received.size() == 1 && serverCount() == 0);
        awaitPolls(3);
        assertThat(polls.errors()).isEmpty();
        assertThat(tokensIssued.get()).isGreaterThanOrEqualTo(polls.polls());
    }

    @Test
    void aRefusedTokenAppearsInNoLogLineNoErrorAndNoEndpointText() throws Exception {
        String token = "ya29.SECRET-token-4711";
        AccessTokenProvider provider = () -> token;
        beans.put("tokens", provider);
        String uri = "pop3x:localhost:" + dovecot.pop3sPort() + "?sslContextParameters=#ssl&username="
                     + DovecotExtension.USER
                     + "&authMechanism=xoauth2&accessTokenProvider=#tokens&" + commonOptions("delete=true");
        try (LogCapture log = new LogCapture()) {
            CamelContext context = startRecording(uri);
            awaitUntil(() -> polls.errors().size() >= 1); // one is enough: Dovecot delays each further failure more
            assertThat(polls.errors()).allSatisfy(e -> assertThat(causes(e))
                    .noneMatch(t -> String.valueOf(t.getMessage()).contains(token)));
            assertThat(log.lines()).noneMatch(l -> l.text().contains(token));
            assertThat(context.getEndpoints()).allSatisfy(e -> assertThat(e.toString()).doesNotContain(token));
        }
    }

    @Test
    void aLedgerFailureWhileAWindowIsInFlightReleasesTheMailsRequestedAndNotRouted() throws Exception {
        for (int i = 1; i <= 150; i++) {
            dovecot.deliver(mail("w" + i));
        }
        // the second window's claim fails: with pipelining, half of the first window is then requested and unread
        beans.put("failing", new ClaimFailsOnceLedger(2));
        startRecording(plainUri(dovecot.pop3Port(), "delete=true&ledger=#failing&claimTimeout=3600000"));

        // a mail left claimed would wait an hour for its claim to expire: the mailbox would not empty
        awaitUntil(() -> received.size() >= 150 && serverCount() == 0);
        List<String> uids = received.stream().map(RouteTestSupport::uidOf).toList();
        assertThat(uids).hasSize(150).doesNotHaveDuplicates();
    }

    /** An in-memory ledger whose n-th window claim fails once, as a full disk would. */
    private static final class ClaimFailsOnceLedger extends ServiceSupport implements Ledger {
        private final InMemoryLedger delegate = new InMemoryLedger();
        private final AtomicInteger claims = new AtomicInteger();
        private final int failing;

        ClaimFailsOnceLedger(int failing) {
            this.failing = failing;
        }

        @Override
        public MailboxLedger open(String mailboxKey) {
            return new ForwardingMailboxLedger(delegate.open(mailboxKey)) {
                @Override
                public List<Transition> apply(List<Transition> transitions, Durability durability) throws IOException {
                    boolean windowClaim = durability == Durability.AT_BARRIER && !transitions.isEmpty()
                                          && transitions.stream().allMatch(t -> t.to() != null
                                                                                && t.to().state()
                                                                                   == MessageState.IN_FLIGHT);
                    if (windowClaim && claims.incrementAndGet() == failing) {
                        throw new IOException("No space left on device (test)");
                    }
                    return super.apply(transitions, durability);
                }
            };
        }
    }
}

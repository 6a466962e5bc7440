package dev.pop3x;

import java.net.ConnectException;
import java.net.ServerSocket;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.pop3x.testsupport.DovecotExtension;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheck.State;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The consumer's health as Camel's health API shows it, against a real Dovecot: ready as soon as the mailbox is
 * listed (not after draining it), and DOWN with the POP3 reason in the details when a poll fails.
 */
class ConsumerHealthIT extends DovecotRouteTestSupport {

    @RegisterExtension
    static DovecotExtension dovecot = new DovecotExtension();

    private static final String WRONG_PASSWORD = "Wr0ng-s3cret-Pa55";

    @Override
    DovecotExtension dovecot() {
        return dovecot;
    }

    @Override
    void bindBeans(CamelContext context) {
        super.bindBeans(context);
        ConsumerHealth.enable(context);
    }

    @Test
    void readyOnceLoggedInAndListedWhileTheFirstPollIsStillDraining() throws Exception {
        int mails = 30;
        for (int i = 1; i <= mails; i++) {
            dovecot.deliver(mail("queued-" + i));
        }
        CountDownLatch gate = new CountDownLatch(1);
        CamelContext context = start(tlsUri("delete=true"), (rb, from) -> from.process(e -> {
            received.add(e);
            assertThat(gate.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the test opened the gate").isTrue();
        }));

        awaitUntil(() -> ConsumerHealth.readiness(context).getState() == State.UP);
        awaitUntil(() -> received.size() == 1);
        // the first poll is still running, stuck on its first mail: nothing else routed, nothing deleted yet
        assertThat(polls.polls()).isZero();
        assertThat(serverCount()).isEqualTo(mails);
        assertThat(ConsumerHealth.readiness(context).getState()).isEqualTo(State.UP);

        gate.countDown();
        awaitUntil(() -> received.size() == mails && serverCount() == 0);
        assertThat(ConsumerHealth.readiness(context).getState()).isEqualTo(State.UP);
    }

    @Test
    void aWrongPasswordIsDownWithTheAuthReasonAndNeverThePassword() throws Exception {
        dovecot.deliver(mail("kept"));
        CamelContext context = startRecording("pop3x:localhost:" + dovecot.pop3sPort()
                                              + "?sslContextParameters=#ssl&username=" + DovecotExtension.USER
                                              + "&password=RAW(" + WRONG_PASSWORD
                                              + ")&" + commonOptions("delete=true"));

        HealthCheck.Result readiness = awaitFailure(context);
        assertThat(readiness.getDetails()).containsEntry("pop3x.reason", "AUTH")
                .containsEntry("pop3x.responseCode", "AUTH")
                .containsEntry("pop3x.mailbox", "localhost:" + dovecot.pop3sPort()); // the user name is a secret option
        assertThat((String) readiness.getDetails().get("pop3x.message")).contains("Authentication failed");
        assertNoPassword(readiness);
        assertThat(serverCount()).isEqualTo(1);
        assertThat(received).isEmpty();
    }

    @Test
    void aPortWhereNothingListensIsDownWithConnectionRefused() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        CamelContext context = startRecording(plainUri(closedPort, "delete=true"));

        HealthCheck.Result readiness = awaitFailure(context);
        assertThat(readiness.getDetails()).containsEntry("pop3x.reason", "CONNECTION_REFUSED")
                .doesNotContainKey("pop3x.responseCode")
                .containsEntry("pop3x.mailbox", "127.0.0.1:" + closedPort);
        assertThat(readiness.getError()).containsInstanceOf(ConnectException.class);
    }

    @Test
    void anUntrustedCertificateIsDownWithATlsReason() throws Exception {
        dovecot.deliver(mail("kept"));
        trustStore = dovecot.untrustedTrustStorePath();
        CamelContext context = startRecording(tlsUri("delete=true"));

        HealthCheck.Result readiness = awaitFailure(context);
        assertThat(readiness.getDetails()).containsEntry("pop3x.reason", "TLS").doesNotContainKey("pop3x.responseCode");
        assertThat(received).isEmpty();
        assertThat(serverCount()).isEqualTo(1);
    }

    /** Waits for the first failed poll to reach the readiness check; Camel's own failure details come with it. */
    private HealthCheck.Result awaitFailure(CamelContext context) {
        awaitUntil(() -> ConsumerHealth.readiness(context).getDetails().containsKey("pop3x.reason"));
        HealthCheck.Result result = ConsumerHealth.readiness(context);
        assertThat(result.getState()).isEqualTo(State.DOWN);
        assertThat(result.getDetails()).containsKey(HealthCheck.FAILURE_ERROR_COUNT);
        assertThat(result.getError()).isPresent();
        return result;
    }

    private static void assertNoPassword(HealthCheck.Result result) {
        Map<String, Object> details = result.getDetails();
        assertThat(details.values()).allSatisfy(v -> assertThat(String.valueOf(v)).doesNotContain(WRONG_PASSWORD));
        assertThat(result.getMessage().orElse("")).doesNotContain(WRONG_PASSWORD);
        assertThat(result.getError().map(Throwable::toString).orElse("")).doesNotContain(WRONG_PASSWORD);
        assertThat(String.valueOf(details.get(HealthCheck.ENDPOINT_URI))).contains("password=xxxxxx");
    }
}

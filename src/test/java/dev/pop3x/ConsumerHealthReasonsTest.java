package dev.pop3x;

import dev.pop3x.testsupport.FaultyPop3Server;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheck.State;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The response codes a server sends only sometimes ([IN-USE], [LOGIN-DELAY], [SYS/TEMP], [SYS/PERM]) reach the
 * consumer's health check, from a scriptable server; and the check is UP again once the server lets the consumer in.
 * A server without STLS under {@code security=starttls} is reported as a TLS failure.
 */
class ConsumerHealthReasonsTest extends RouteTestSupport {

    private FaultyPop3Server server;

    @BeforeEach
    void startServer() {
        server = FaultyPop3Server.start();
    }

    @AfterEach
    void stopServer() {
        contexts.forEach(CamelContext::stop);
        server.close();
    }

    @Override
    void bindBeans(CamelContext context) {
        ConsumerHealth.enable(context);
    }

    @ParameterizedTest
    @ValueSource(strings = { "IN-USE", "LOGIN-DELAY", "SYS/TEMP", "SYS/PERM" })
    void theResponseCodeOfARefusedLoginIsInTheDetailsUntilTheServerLetsTheConsumerIn(String code) throws Exception {
        server.add(mail("waiting"));
        server.failLoginWith("-ERR [" + code + "] not now");
        CamelContext context = startRecording("pop3x:127.0.0.1:" + server.port()
                                              + "?security=none&username=alice&password=secret&"
                                              + commonOptions("delete=true"));

        awaitUntil(() -> ConsumerHealth.readiness(context).getDetails().containsKey("pop3x.reason"));
        HealthCheck.Result down = ConsumerHealth.readiness(context);
        assertThat(down.getState()).isEqualTo(State.DOWN);
        assertThat(down.getDetails()).containsEntry("pop3x.reason", code).containsEntry("pop3x.responseCode", code)
                .containsKey(HealthCheck.FAILURE_ERROR_COUNT);
        assertThat((String) down.getDetails().get("pop3x.message")).contains("not now");
        assertThat(received).isEmpty();

        server.clearLoginFailure();
        awaitUntil(() -> received.size() == 1 && server.count() == 0);
        awaitUntil(() -> ConsumerHealth.readiness(context).getState() == State.UP);
        assertThat(ConsumerHealth.readiness(context).getDetails()).doesNotContainKey("pop3x.reason");
    }

    @Test
    void aServerThatDoesNotOfferStlsWithSecurityStarttlsIsATlsFailure() throws Exception {
        server.add(mail("private"));
        CamelContext context = startRecording("pop3x:127.0.0.1:" + server.port()
                                              + "?security=starttls&username=alice&password=secret&"
                                              + commonOptions("delete=true"));

        awaitUntil(() -> ConsumerHealth.readiness(context).getDetails().containsKey("pop3x.reason"));
        HealthCheck.Result down = ConsumerHealth.readiness(context);
        assertThat(down.getState()).isEqualTo(State.DOWN);
        assertThat(down.getDetails()).containsEntry("pop3x.reason", "TLS").doesNotContainKey("pop3x.responseCode");
        assertThat((String) down.getDetails().get("pop3x.message")).contains("does not offer STLS");
        assertThat(received).isEmpty();
        assertThat(server.count()).isEqualTo(1);
    }
}

package dev.pop3x;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.pop3x.testsupport.DovecotExtension;
import dev.pop3x.testsupport.PollCounter;
import dev.pop3x.testsupport.Pop3TestClient;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.support.jsse.KeyStoreParameters;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.apache.camel.support.jsse.TrustManagersParameters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import static org.awaitility.Awaitility.await;

/**
 * What the route tests against a real Dovecot share: CamelContexts with a {@code pop3x:} route, what reached the route,
 * and the server's own view of the mailbox (through a separate POP3 connection, not the code under test).
 */
abstract class DovecotRouteTestSupport {

    static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path ledgerDir;

    final List<CamelContext> contexts = new CopyOnWriteArrayList<>();
    final List<Exchange> received = new CopyOnWriteArrayList<>();
    PollCounter polls;

    /** The Dovecot of the test class (each class registers its own extension). */
    abstract DovecotExtension dovecot();

    @BeforeEach
    void emptyMailbox() {
        dovecot().clearMailbox();
    }

    @AfterEach
    void stopContexts() {
        contexts.forEach(CamelContext::stop);
    }

    static String mail(String subject) {
        return mail(subject, "body of " + subject);
    }

    static String mail(String subject, String body) {
        return "From: sender@example.com\r\nTo: alice@example.com\r\nSubject: " + subject + "\r\nMessage-ID: <" + subject
               + "@example.com>\r\n\r\n" + body + "\r\n";
    }

    /** Implicit TLS to Dovecot, trusting its test certificate. */
    String tlsUri(String options) {
        return "pop3x:localhost:" + dovecot().pop3sPort() + "?sslContextParameters=#ssl&" + common(options);
    }

    /** Plain text to a port on loopback (Dovecot's, or a proxy's in front of it). */
    String plainUri(int port, String options) {
        return "pop3x:127.0.0.1:" + port + "?security=none&" + common(options);
    }

    private String common(String options) {
        return "username=" + DovecotExtension.USER + "&password=" + DovecotExtension.PASSWORD + "&ledgerDirectory=" + ledgerDir
               + "&initialDelay=0&delay=50&pollStrategy=#polls&" + options;
    }

    interface RouteBody {
        void configure(RouteBuilder builder, RouteDefinition from);
    }

    CamelContext start(String uri, RouteBody body) throws Exception {
        return start(uri, dovecot().trustStorePath(), body);
    }

    CamelContext start(String uri, Path trustStore, RouteBody body) throws Exception {
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

    /** A route that only records what reached it. */
    CamelContext startRecording(String uri) throws Exception {
        return start(uri, (rb, from) -> from.process(received::add));
    }

    private SSLContextParameters ssl(Path trustStore) {
        KeyStoreParameters ks = new KeyStoreParameters();
        ks.setResource("file:" + trustStore);
        ks.setPassword(dovecot().trustStorePassword());
        ks.setType("PKCS12");
        TrustManagersParameters tm = new TrustManagersParameters();
        tm.setKeyStore(ks);
        SSLContextParameters p = new SSLContextParameters();
        p.setTrustManagers(tm);
        return p;
    }

    static void awaitUntil(Callable<Boolean> condition) {
        await().atMost(WAIT).until(condition);
    }

    /** Waits until this many more polls have finished: "nothing else happens" becomes checkable without sleeping. */
    void awaitPolls(int more) {
        int target = polls.polls() + more;
        awaitUntil(() -> polls.polls() >= target);
    }

    int serverCount() {
        return Pop3TestClient.countMessages("127.0.0.1", dovecot().pop3Port(), DovecotExtension.USER, DovecotExtension.PASSWORD);
    }

    List<String> uidsOnServer() {
        return Pop3TestClient.uids("127.0.0.1", dovecot().pop3Port(), DovecotExtension.USER, DovecotExtension.PASSWORD);
    }

    List<String> subjects() {
        return subjects(received);
    }

    static List<String> subjects(List<Exchange> exchanges) {
        return exchanges.stream().map(e -> e.getIn().getHeader("Subject", String.class)).toList();
    }

    static String uidOf(Exchange e) {
        return e.getIn().getHeader(Pop3xConstants.UID, String.class);
    }
}

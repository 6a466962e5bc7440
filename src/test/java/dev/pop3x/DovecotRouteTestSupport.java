package dev.pop3x;

import java.nio.file.Path;
import java.util.List;

import dev.pop3x.testsupport.DovecotExtension;
import dev.pop3x.testsupport.Pop3TestClient;
import org.apache.camel.CamelContext;
import org.apache.camel.support.jsse.KeyStoreParameters;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.apache.camel.support.jsse.TrustManagersParameters;
import org.junit.jupiter.api.BeforeEach;

/**
 * Route tests against a real Dovecot: URIs for it, and the server's own view of the mailbox (through a separate POP3
 * connection, not the code under test).
 */
abstract class DovecotRouteTestSupport extends RouteTestSupport {

    /** Trust store bound as {@code #ssl}; tests of an untrusted certificate change it before starting. */
    Path trustStore;

    /** The Dovecot of the test class (each class registers its own extension). */
    abstract DovecotExtension dovecot();

    @BeforeEach
    void emptyMailbox() {
        dovecot().clearMailbox();
        trustStore = dovecot().trustStorePath();
    }

    /** Implicit TLS to Dovecot, trusting its test certificate. */
    String tlsUri(String options) {
        return "pop3x:localhost:" + dovecot().pop3sPort() + "?sslContextParameters=#ssl&" + credentials()
               + commonOptions(options);
    }

    /** Plain text to a port on loopback (Dovecot's, or a proxy's in front of it). */
    String plainUri(int port, String options) {
        return "pop3x:127.0.0.1:" + port + "?security=none&" + credentials() + commonOptions(options);
    }

    private static String credentials() {
        return "username=" + DovecotExtension.USER + "&password=" + DovecotExtension.PASSWORD + "&";
    }

    @Override
    void bindBeans(CamelContext context) {
        KeyStoreParameters ks = new KeyStoreParameters();
        ks.setResource("file:" + trustStore);
        ks.setPassword(dovecot().trustStorePassword());
        ks.setType("PKCS12");
        TrustManagersParameters tm = new TrustManagersParameters();
        tm.setKeyStore(ks);
        SSLContextParameters ssl = new SSLContextParameters();
        ssl.setTrustManagers(tm);
        context.getRegistry().bind("ssl", ssl);
    }

    int serverCount() {
        return Pop3TestClient.countMessages("127.0.0.1", dovecot().pop3Port(), DovecotExtension.USER,
                DovecotExtension.PASSWORD);
    }

    List<String> uidsOnServer() {
        return Pop3TestClient.uids("127.0.0.1", dovecot().pop3Port(), DovecotExtension.USER, DovecotExtension.PASSWORD);
    }
}

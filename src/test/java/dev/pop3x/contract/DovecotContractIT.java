package dev.pop3x.contract;

import dev.pop3x.testsupport.DovecotExtension;
import dev.pop3x.testsupport.Pop3TestClient;
import org.apache.camel.CamelContext;
import org.apache.camel.support.jsse.KeyStoreParameters;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.apache.camel.support.jsse.TrustManagersParameters;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The contract against a real Dovecot 2.3 (the reference server). */
class DovecotContractIT extends MailContractIT {

    @RegisterExtension
    static DovecotExtension dovecot = new DovecotExtension();

    private static final String CREDENTIALS = "username=" + DovecotExtension.USER + "&password="
                                              + DovecotExtension.PASSWORD;

    private final ContractServer server = new ContractServer() {
        @Override
        public void deliver(String rfc822) {
            dovecot.deliver(rfc822);
        }

        @Override
        public int count() {
            return Pop3TestClient.countMessages("127.0.0.1", dovecot.pop3Port(), DovecotExtension.USER,
                    DovecotExtension.PASSWORD);
        }

        @Override
        public void clear() {
            dovecot.clearMailbox();
        }

        @Override
        public String tlsUri() {
            return "pop3x:localhost:" + dovecot.pop3sPort() + "?security=tls&sslContextParameters=#ssl&" + CREDENTIALS;
        }

        @Override
        public String starttlsUri() {
            return "pop3x:localhost:" + dovecot.pop3Port() + "?security=starttls&sslContextParameters=#ssl&"
                   + CREDENTIALS;
        }

        @Override
        public String plainUri() {
            return "pop3x:127.0.0.1:" + dovecot.pop3Port() + "?security=none&" + CREDENTIALS;
        }

        @Override
        public void bindBeans(CamelContext context) {
            context.getRegistry().bind("ssl", ssl(dovecot.trustStorePath().toString(), dovecot.trustStorePassword()));
        }
    };

    @Override
    ContractServer server() {
        return server;
    }

    static SSLContextParameters ssl(String trustStore, String password) {
        KeyStoreParameters ks = new KeyStoreParameters();
        ks.setResource("file:" + trustStore);
        ks.setPassword(password);
        ks.setType("PKCS12");
        TrustManagersParameters tm = new TrustManagersParameters();
        tm.setKeyStore(ks);
        SSLContextParameters ssl = new SSLContextParameters();
        ssl.setTrustManagers(tm);
        return ssl;
    }
}

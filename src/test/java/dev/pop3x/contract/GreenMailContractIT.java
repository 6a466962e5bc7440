package dev.pop3x.contract;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.ServerSetup;
import dev.pop3x.testsupport.Pop3TestClient;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contract against GreenMail. GreenMail deletes at DELE (before QUIT), so passing here proves little about
 * deletion; it shows pop3x works with it. Its built-in TLS certificate names no host, so TLS is not run.
 */
class GreenMailContractIT extends MailContractIT {

    @RegisterExtension
    static GreenMailExtension greenMail = new GreenMailExtension(
            new ServerSetup[] { new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_POP3) });

    private final ContractServer server = new ContractServer() {
        private GreenMailUser user() {
            return greenMail.setUser("alice@example.com", "alice", "secret");
        }

        @Override
        public void deliver(String rfc822) {
            try {
                user().deliver(new MimeMessage(Session.getInstance(new Properties()),
                        new ByteArrayInputStream(rfc822.getBytes(StandardCharsets.UTF_8))));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public int count() {
            return greenMail.getReceivedMessages().length;
        }

        @Override
        public void clear() {
            try {
                greenMail.purgeEmailFromAllMailboxes();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public String tlsUri() {
            return null;
        }

        @Override
        public String starttlsUri() {
            return null;
        }

        @Override
        public String plainUri() {
            return "pop3x:127.0.0.1:" + greenMail.getPop3().getPort() + "?security=none&username=alice&password=secret";
        }

        @Override
        public void bindBeans(CamelContext context) {
        }
    };

    @Override
    ContractServer server() {
        return server;
    }

    /** Why the build runs this class once, not again with PIPELINING forced off (pom.xml): the two runs are one. */
    @Test
    void greenMailAnnouncesNoPipelining() {
        try (Pop3TestClient.Session session = Pop3TestClient.Session.connect("127.0.0.1",
                greenMail.getPop3().getPort())) {
            assertThat(session.greeting()).startsWith("+OK");
            assertThat(session.multiline("CAPA")).contains("UIDL").doesNotContain("PIPELINING");
        }
    }
}

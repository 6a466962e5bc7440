package dev.pop3x.contract;

import dev.pop3x.testsupport.MailutilsExtension;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The contract against GNU Mailutils pop3d 3.15 with UIDLs of its own making: on the first UIDL it adds an X-UIDL
 * header to each stored mail (md5, time, number), so sizes grow within the session and the file is rewritten at
 * QUIT. pop3x reads UIDL before LIST, so the sizes it sees are the grown ones.
 */
class MailutilsOwnUidlContractTest extends MailContractTest {

    @RegisterExtension
    static MailutilsExtension mailutils = new MailutilsExtension().withoutXUidl();

    private static final String CREDENTIALS = "username=" + MailutilsExtension.USER + "&password=" + MailutilsExtension.PASSWORD;

    private final ContractServer server = new ContractServer() {
        @Override
        public void deliver(String rfc822) {
            mailutils.deliver(rfc822);
        }

        @Override
        public int count() {
            return mailutils.messageCount();
        }

        @Override
        public void clear() {
            mailutils.clearMailbox();
        }

        @Override
        public String tlsUri() {
            return "pop3x:localhost:" + mailutils.pop3sPort() + "?security=tls&sslContextParameters=#ssl&" + CREDENTIALS;
        }

        @Override
        public String starttlsUri() {
            return "pop3x:localhost:" + mailutils.pop3Port() + "?security=starttls&sslContextParameters=#ssl&" + CREDENTIALS;
        }

        @Override
        public String plainUri() {
            return "pop3x:127.0.0.1:" + mailutils.pop3Port() + "?security=none&" + CREDENTIALS;
        }

        @Override
        public void bindBeans(CamelContext context) {
            context.getRegistry().bind("ssl",
                    DovecotContractTest.ssl(mailutils.trustStorePath().toString(), mailutils.trustStorePassword()));
        }
    };

    @Override
    ContractServer server() {
        return server;
    }
}

package dev.pop3x.contract;

import dev.pop3x.testsupport.MailutilsExtension;
import org.apache.camel.CamelContext;

/**
 * The contract against GNU Mailutils pop3d 3.15. Mail is counted in the store, not through POP3: pop3d locks the
 * mailbox per session, so a counting session would make the consumer's poll meet [IN-USE].
 */
abstract class AbstractMailutilsContractIT extends MailContractIT {

    private static final String CREDENTIALS = "username=" + MailutilsExtension.USER + "&password="
                                              + MailutilsExtension.PASSWORD;

    /** The pop3d of the concrete class (each registers its own, configured its way). */
    abstract MailutilsExtension mailutils();

    private final ContractServer server = new ContractServer() {
        @Override
        public void deliver(String rfc822) {
            mailutils().deliver(rfc822);
        }

        @Override
        public int count() {
            return mailutils().messageCount();
        }

        @Override
        public void clear() {
            mailutils().clearMailbox();
        }

        @Override
        public String tlsUri() {
            return "pop3x:localhost:" + mailutils().pop3sPort() + "?security=tls&sslContextParameters=#ssl&"
                   + CREDENTIALS;
        }

        @Override
        public String starttlsUri() {
            return "pop3x:localhost:" + mailutils().pop3Port() + "?security=starttls&sslContextParameters=#ssl&"
                   + CREDENTIALS;
        }

        @Override
        public String plainUri() {
            return "pop3x:127.0.0.1:" + mailutils().pop3Port() + "?security=none&" + CREDENTIALS;
        }

        @Override
        public void bindBeans(CamelContext context) {
            context.getRegistry().bind("ssl",
                    DovecotContractIT.ssl(mailutils().trustStorePath().toString(), mailutils().trustStorePassword()));
        }
    };

    @Override
    ContractServer server() {
        return server;
    }
}

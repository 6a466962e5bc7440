package dev.pop3x.contract;

import dev.pop3x.testsupport.MailutilsExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The contract against GNU Mailutils pop3d with mails seeded with an X-UIDL header (see MailutilsExtension): pop3d
 * serves them unchanged and uses that header as UIDL.
 */
class MailutilsContractIT extends AbstractMailutilsContractIT {

    @RegisterExtension
    static MailutilsExtension mailutils = new MailutilsExtension();

    @Override
    MailutilsExtension mailutils() {
        return mailutils;
    }
}

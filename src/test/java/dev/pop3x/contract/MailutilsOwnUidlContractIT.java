package dev.pop3x.contract;

import dev.pop3x.testsupport.MailutilsExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The contract against GNU Mailutils pop3d with UIDLs of its own making: on the first UIDL it adds an X-UIDL header
 * to each stored mail (md5, time, number), so sizes grow within the session and the file is rewritten at QUIT. pop3x
 * reads UIDL before LIST, so the sizes it sees are the grown ones.
 */
class MailutilsOwnUidlContractIT extends AbstractMailutilsContractIT {

    @RegisterExtension
    static MailutilsExtension mailutils = new MailutilsExtension().withoutXUidl();

    @Override
    MailutilsExtension mailutils() {
        return mailutils;
    }
}

package dev.pop3x;

import dev.pop3x.session.MailboxUnavailableException;
import dev.pop3x.testsupport.DovecotExtension;
import dev.pop3x.testsupport.LogCapture;
import dev.pop3x.testsupport.Pop3TestClient;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Dovecot with pop3_lock_session=yes while another session holds the mailbox: the consumer's polls meet [IN-USE]
 * (after Dovecot's own wait of about 10 s), are skipped with one warning, and the mail arrives once the lock is gone.
 */
class DovecotLockedMailboxIT extends DovecotRouteTestSupport {

    @RegisterExtension
    static DovecotExtension dovecot = new DovecotExtension().withLockSession(true);

    @Override
    DovecotExtension dovecot() {
        return dovecot;
    }

    @Test
    @Tag("once-only") // not again with PIPELINING forced off: [IN-USE] comes at login, before pipelining applies
    void aLockedMailboxIsSkippedWithOneWarningUntilTheLockIsGone() throws Exception {
        dovecot.deliver(mail("locked-out"));
        try (LogCapture log = new LogCapture()) {
            Pop3TestClient.Session holder = Pop3TestClient.Session.login("127.0.0.1", dovecot.pop3Port(),
                    DovecotExtension.USER, DovecotExtension.PASSWORD);
            try {
                startRecording(tlsUri("delete=true"));
                awaitUntil(() -> polls.errors().size() >= 2);
                assertThat(polls.errors()).allSatisfy(e -> assertThat(e).isInstanceOf(MailboxUnavailableException.class)
                        .satisfies(u -> assertThat(((MailboxUnavailableException) u).code()).isEqualTo("IN-USE")));
                assertThat(received).isEmpty();
            } finally {
                holder.close();
            }
            awaitUntil(() -> received.size() == 1 && serverCount() == 0);
            assertThat(log.lines())
                    .filteredOn(l -> l.level() == Level.WARN && l.logger().equals(PollFailureLog.class.getName()))
                    .hasSize(1).first().satisfies(l -> assertThat(l.message()).contains("in use"));
        }
    }
}

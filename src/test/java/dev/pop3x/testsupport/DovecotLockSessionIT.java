package dev.pop3x.testsupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** A second test class with its own Dovecot (own ports and folder), with {@code pop3_lock_session = yes}. */
class DovecotLockSessionIT {

    @RegisterExtension
    static DovecotExtension dovecot = new DovecotExtension().withLockSession(true);

    @Test
    void secondSessionIsRefusedWhileTheFirstIsOpen() {
        dovecot.deliver("Subject: one\r\n\r\nbody\r\n");
        try (Pop3TestClient.Session first = Pop3TestClient.Session.login(dovecot.host(), dovecot.pop3Port(),
                DovecotExtension.USER, DovecotExtension.PASSWORD);
             Pop3TestClient.Session second = Pop3TestClient.Session.connect(dovecot.host(), dovecot.pop3Port())) {
            assertThat(first.command("STAT")).isEqualTo("+OK 1 " + 22);
            second.command("USER " + DovecotExtension.USER);
            long start = System.nanoTime();
            String answer = second.send("PASS " + DovecotExtension.PASSWORD); // Dovecot waits ~10 s for the lock
            System.out.printf("second PASS after %d ms: %s%n", (System.nanoTime() - start) / 1_000_000, answer);
            assertThat(answer).startsWith("-ERR [IN-USE]");
            assertThat(first.quit()).startsWith("+OK");
        }
        assertThat(Pop3TestClient.countMessages(dovecot.host(), dovecot.pop3Port(), DovecotExtension.USER,
                DovecotExtension.PASSWORD)).isEqualTo(1);
    }
}

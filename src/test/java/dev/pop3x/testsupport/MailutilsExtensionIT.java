package dev.pop3x.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MailutilsExtensionIT {

    @RegisterExtension
    static MailutilsExtension mailutils = new MailutilsExtension();

    @BeforeEach
    void clear() {
        mailutils.clearMailbox();
    }

    @Test
    void greetsOnPlainPortAndOffersStls() {
        try (Pop3TestClient.Session s = Pop3TestClient.Session.connect(mailutils.host(), mailutils.pop3Port())) {
            assertThat(s.greeting()).startsWith("+OK POP3 Ready <");
            // EXPIRENEVER (sic): mailutils 3.15 leaves out the space of "EXPIRE NEVER"
            assertThat(s.multiline("CAPA")).contains("STLS", "UIDL", "TOP", "PIPELINING", "RESP-CODES", "USER")
                    .doesNotContain("SASL");
            assertThat(s.quit()).startsWith("+OK");
        }
    }

    @Test
    void greetsOnImplicitTlsPortWithTrustStoreAndHostNameVerification() throws Exception {
        assertThat(tlsGreeting(MailutilsExtension.sslContext(mailutils.trustStorePath()))).startsWith("+OK POP3 Ready");
        assertThat(tlsGreeting(mailutils.sslContext())).startsWith("+OK");
    }

    @Test
    void implicitTlsWithUntrustedTrustStoreIsRefused() {
        SSLContext untrusted = MailutilsExtension.sslContext(mailutils.untrustedTrustStorePath());
        assertThatThrownBy(() -> tlsGreeting(untrusted)).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void deliveredMailsAreCountedAndServedWithTheirXUidl() throws IOException {
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            ids.add(mailutils.deliver(mail(i)));
        }
        assertThat(ids).doesNotContainNull().doesNotHaveDuplicates();
        assertThat(mailutils.messageCount()).isEqualTo(3);
        // stored LF-only, X-UIDL first
        for (Path p : TestMaildir.listFiles(mailutils.maildir().resolve("new"))) {
            String stored = Files.readString(p, StandardCharsets.ISO_8859_1);
            assertThat(stored).startsWith("X-UIDL: pop3x-").doesNotContain("\r");
        }
        assertThat(Pop3TestClient.countMessages(mailutils.host(), mailutils.pop3Port(), MailutilsExtension.USER,
                MailutilsExtension.PASSWORD)).isEqualTo(3);
        assertThat(Pop3TestClient.uids(mailutils.host(), mailutils.pop3Port(), MailutilsExtension.USER,
                MailutilsExtension.PASSWORD)).containsExactlyElementsOf(ids);
        try (Pop3TestClient.Session s = login()) {
            List<String> sizesBefore = s.multiline("LIST");
            s.multiline("UIDL");
            for (int i = 1; i <= 3; i++) {
                List<String> top = s.multiline("TOP " + i + " 0");
                assertThat(top).startsWith("X-UIDL: " + ids.get(i - 1)).contains("Subject: mail " + i);
            }
            assertThat(s.multiline("LIST")).as("sizes do not change after UIDL").isEqualTo(sizesBefore);
            assertThat(s.quit()).isEqualTo("+OK");
        }
        mailutils.awaitNoSessions();
        assertThat(mailutils.log()).contains("POP3 login: user `alice'");
    }

    @Test
    void ownXUidlHeaderIsKeptAndCrlfBecomesLf() throws IOException {
        String id = mailutils.deliver("From: a@example.org\r\nX-Uidl: my-own.id\r\nSubject: own\r\n\r\nBody\r\n");
        assertThat(id).isEqualTo("my-own.id");
        Path stored = TestMaildir.listFiles(mailutils.maildir().resolve("new")).get(0);
        assertThat(Files.readString(stored, StandardCharsets.ISO_8859_1))
                .isEqualTo("From: a@example.org\nX-Uidl: my-own.id\nSubject: own\n\nBody\n");
        assertThat(Pop3TestClient.uids(mailutils.host(), mailutils.pop3Port(), MailutilsExtension.USER,
                MailutilsExtension.PASSWORD)).containsExactly("my-own.id");
    }

    @Test
    void deleThenDroppedConnectionDeletesNothing() {
        List<String> ids = List.of(mailutils.deliver(mail(1)), mailutils.deliver(mail(2)));
        try (Pop3TestClient.Session s = login()) {
            assertThat(s.command("DELE 1")).isEqualTo("+OK Message 1 marked");
        } // dropped without QUIT
        mailutils.awaitNoSessions(); // the session process ends (and unlocks) a moment after the drop
        assertThat(mailutils.log()).contains("Unexpected eof on input");
        assertThat(mailutils.messageCount()).isEqualTo(2);
        assertThat(Pop3TestClient.uids(mailutils.host(), mailutils.pop3Port(), MailutilsExtension.USER,
                MailutilsExtension.PASSWORD)).containsExactlyElementsOf(ids);
    }

    @Test
    void deleThenQuitDeletes() {
        List<String> ids = List.of(mailutils.deliver(mail(1)), mailutils.deliver(mail(2)));
        try (Pop3TestClient.Session s = login()) {
            assertThat(s.command("DELE 1")).isEqualTo("+OK Message 1 marked");
            assertThat(s.quit()).isEqualTo("+OK");
        }
        // pop3d expunges before it answers QUIT
        assertThat(mailutils.messageCount()).isEqualTo(1);
        mailutils.awaitNoSessions();
        assertThat(Pop3TestClient.uids(mailutils.host(), mailutils.pop3Port(), MailutilsExtension.USER,
                MailutilsExtension.PASSWORD)).containsExactly(ids.get(1));
    }

    @Test
    void secondConcurrentLoginGetsInUseAtOnce() {
        mailutils.deliver(mail(1));
        try (Pop3TestClient.Session first = login();
             Pop3TestClient.Session second = Pop3TestClient.Session.connect(mailutils.host(), mailutils.pop3Port())) {
            assertThat(second.command("USER " + MailutilsExtension.USER)).isEqualTo("+OK");
            long t0 = System.nanoTime();
            assertThat(second.send("PASS " + MailutilsExtension.PASSWORD)).isEqualTo("-ERR [IN-USE] Mailbox in use");
            assertThat((System.nanoTime() - t0) / 1_000_000).as("ms until -ERR [IN-USE]").isLessThan(2000);
            assertThat(first.command("STAT")).startsWith("+OK 1 "); // the first session is unaffected
            assertThat(first.quit()).isEqualTo("+OK");
        }
        mailutils.awaitNoSessions();
        assertThat(mailutils.log()).contains("Conflict with previous locker");
        assertThat(Pop3TestClient.countMessages(mailutils.host(), mailutils.pop3Port(), MailutilsExtension.USER,
                MailutilsExtension.PASSWORD)).isEqualTo(1);
    }

    @Test
    void wrongPasswordIsRefused() {
        try (Pop3TestClient.Session s = Pop3TestClient.Session.connect(mailutils.host(), mailutils.pop3Port())) {
            s.command("USER " + MailutilsExtension.USER);
            assertThat(s.send("PASS wrong")).isEqualTo("-ERR [AUTH] Bad login");
        }
    }

    @Test
    void brokenConfigurationFailsWithPop3dOutput() {
        MailutilsExtension broken = new MailutilsExtension().withConfig("no-such-statement 1;");
        assertThatThrownBy(broken::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("pop3d exited")
                .hasMessageContaining("no-such-statement");
        // no process count here: other builds on this machine may start and stop pop3d at the same time
        assertThat(broken.sessionCount()).isZero();
        assertThat(broken.tempDir()).doesNotExist();
    }

    @Test
    void portTakenBetweenProbeAndBindIsRetriedWithNewPorts() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            MailutilsExtension ext = new MailutilsExtension() {
                private boolean handedOut;

                @Override
                int freePort() throws IOException {
                    if (!handedOut) {
                        handedOut = true;
                        return taken.getLocalPort();
                    }
                    return super.freePort();
                }
            };
            try {
                ext.start();
                assertThat(ext.attempts()).isEqualTo(2);
                assertThat(ext.pop3Port()).isNotEqualTo(taken.getLocalPort());
                try (Pop3TestClient.Session s = Pop3TestClient.Session.connect(ext.host(), ext.pop3Port())) {
                    assertThat(s.greeting()).startsWith("+OK");
                }
            } finally {
                ext.stop();
            }
            assertThat(ext.tempDir()).doesNotExist();
        }
    }

    @Test
    void withoutXUidlPop3dMakesUpDigestUidlsAndRewritesTheMailMidSession() throws Exception {
        MailutilsExtension plain = new MailutilsExtension().withoutXUidl();
        try {
            plain.start();
            assertThat(plain.deliver(mail(1))).isNull();
            try (Pop3TestClient.Session s = Pop3TestClient.Session.login(plain.host(), plain.pop3Port(),
                    MailutilsExtension.USER, MailutilsExtension.PASSWORD)) {
                int sizeBefore = Integer.parseInt(s.multiline("LIST").get(0).split(" ")[1]);
                String uidl = s.multiline("UIDL").get(0).split(" ")[1];
                assertThat(uidl).matches("[0-9a-f]{32}\\.[0-9]+\\.1");
                int sizeAfter = Integer.parseInt(s.multiline("LIST").get(0).split(" ")[1]);
                assertThat(sizeAfter).as("LIST size after UIDL")
                        .isEqualTo(sizeBefore + ("X-UIDL: " + uidl + "\r\n").length());
                assertThat(s.multiline("RETR 1")).contains("X-UIDL: " + uidl);
                assertThat(s.quit()).isEqualTo("+OK");
            }
            plain.awaitNoSessions();
            Path stored = TestMaildir.listFiles(plain.maildir().resolve("cur")).get(0);
            assertThat(Files.readString(stored, StandardCharsets.ISO_8859_1)).contains("\nX-UIDL: ");
        } finally {
            plain.stop();
        }
    }

    @Test
    void existingXUidlIsFoundInTheHeaderOnly() {
        assertThat(MailutilsExtension.existingXUidl("A: b\nx-uidl:  id-1 \n\nX-UIDL: body\n")).isEqualTo("id-1");
        assertThat(MailutilsExtension.existingXUidl("A: b\n\nX-UIDL: body\n")).isNull();
    }

    private static Pop3TestClient.Session login() {
        return Pop3TestClient.Session.login(mailutils.host(), mailutils.pop3Port(), MailutilsExtension.USER,
                MailutilsExtension.PASSWORD);
    }

    private static String mail(int i) {
        return "From: sender@example.org\r\nTo: alice@example.org\r\nSubject: mail " + i
               + "\r\nMessage-ID: <" + i + "." + System.nanoTime() + "@example.org>\r\n\r\nBody " + i + "\r\n";
    }

    private static String tlsGreeting(SSLContext ctx) throws IOException {
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress(mailutils.host(), mailutils.pop3sPort()), 10_000);
            plain.setSoTimeout(10_000);
            try (SSLSocket tls = (SSLSocket) ctx.getSocketFactory()
                    .createSocket(plain, mailutils.host(), mailutils.pop3sPort(), true)) {
                SSLParameters params = tls.getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS");
                tls.setSSLParameters(params);
                tls.startHandshake();
                return new BufferedReader(new InputStreamReader(tls.getInputStream(), StandardCharsets.US_ASCII))
                        .readLine();
            }
        }
    }
}

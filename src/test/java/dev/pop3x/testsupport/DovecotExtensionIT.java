package dev.pop3x.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DovecotExtensionIT {

    @RegisterExtension
    static DovecotExtension dovecot = new DovecotExtension();

    @BeforeEach
    void clear() {
        dovecot.clearMailbox();
    }

    @Test
    void greetsOnPlainPortAndOffersStls() {
        try (Pop3TestClient.Session s = Pop3TestClient.Session.connect(dovecot.host(), dovecot.pop3Port())) {
            assertThat(s.greeting()).startsWith("+OK");
            assertThat(s.multiline("CAPA")).contains("STLS", "UIDL", "PIPELINING", "USER");
            assertThat(s.quit()).startsWith("+OK");
        }
    }

    @Test
    void implicitTlsWithTrustStoreAndHostNameVerification() throws Exception {
        String greeting = tlsGreeting(DovecotExtension.sslContext(dovecot.trustStorePath()));
        assertThat(greeting).startsWith("+OK");
    }

    @Test
    void implicitTlsWithUntrustedTrustStoreIsRefused() {
        SSLContext untrusted = DovecotExtension.sslContext(dovecot.untrustedTrustStorePath());
        assertThatThrownBy(() -> tlsGreeting(untrusted)).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void deliveredMailsAreServedInDeliveryOrder() {
        for (int i = 1; i <= 3; i++) {
            dovecot.deliver(mail(i));
        }
        assertThat(dovecot.messageCount()).isEqualTo(3);
        assertThat(Pop3TestClient.countMessages(dovecot.host(), dovecot.pop3Port(), DovecotExtension.USER,
                DovecotExtension.PASSWORD)).isEqualTo(3);
        List<String> uids = Pop3TestClient.uids(dovecot.host(), dovecot.pop3Port(), DovecotExtension.USER,
                DovecotExtension.PASSWORD);
        assertThat(uids).hasSize(3).doesNotHaveDuplicates().allMatch(u -> u.matches("[0-9a-f]{16}"));
        try (Pop3TestClient.Session s = login()) {
            for (int i = 1; i <= 3; i++) {
                assertThat(s.multiline("TOP " + i + " 0")).contains("Subject: mail " + i);
            }
            s.quit();
        }
        assertThat(dovecot.log()).contains("Login: user=<alice>");
    }

    @Test
    void deleThenDroppedConnectionDeletesNothing() {
        dovecot.deliver(mail(1));
        dovecot.deliver(mail(2));
        long closedBefore = droppedSessions();
        try (Pop3TestClient.Session s = login()) {
            assertThat(s.command("DELE 1")).startsWith("+OK");
        } // dropped without QUIT
         // wait until the server has finished the session ("del=0/2": the mark was discarded)
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> droppedSessions() > closedBefore);
        assertThat(dovecot.logTail(5)).contains("Disconnected: Connection closed top=0/0, retr=0/0, del=0/2");
        assertThat(dovecot.messageCount()).isEqualTo(2);
        assertThat(Pop3TestClient.countMessages(dovecot.host(), dovecot.pop3Port(), DovecotExtension.USER,
                DovecotExtension.PASSWORD)).isEqualTo(2);
    }

    @Test
    void deleThenQuitDeletes() {
        dovecot.deliver(mail(1));
        dovecot.deliver(mail(2));
        List<String> before = Pop3TestClient.uids(dovecot.host(), dovecot.pop3Port(), DovecotExtension.USER,
                DovecotExtension.PASSWORD);
        try (Pop3TestClient.Session s = login()) {
            assertThat(s.command("DELE 1")).startsWith("+OK");
            assertThat(s.quit()).isEqualTo("+OK Logging out, messages deleted.");
        }
        // Dovecot expunges before it answers QUIT
        assertThat(dovecot.messageCount()).isEqualTo(1);
        assertThat(Pop3TestClient.uids(dovecot.host(), dovecot.pop3Port(), DovecotExtension.USER,
                DovecotExtension.PASSWORD)).containsExactly(before.get(1));
    }

    @Test
    void wrongPasswordIsRefused() {
        try (Pop3TestClient.Session s = Pop3TestClient.Session.connect(dovecot.host(), dovecot.pop3Port())) {
            s.command("USER " + DovecotExtension.USER);
            assertThat(s.send("PASS wrong")).isEqualTo("-ERR [AUTH] Authentication failed.");
        }
    }

    @Test
    void brokenConfigurationFailsWithLogAndLeavesNoProcess() {
        DovecotExtension broken = new DovecotExtension().withConfig("no_such_setting = 1");
        long before = dovecotProcesses();
        assertThatThrownBy(broken::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Dovecot exited")
                .hasMessageContaining("no_such_setting");
        assertThat(broken.tempDir()).doesNotExist();
        assertThat(dovecotProcesses()).isEqualTo(before);
    }

    @Test
    void portTakenBetweenProbeAndBindIsRetriedWithNewPorts() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            DovecotExtension ext = new DovecotExtension() {
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

    private static long dovecotProcesses() {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> c.endsWith("/dovecot")).orElse(false)).count();
    }

    private static long droppedSessions() {
        return dovecot.log().lines()
                .filter(l -> l.contains("pop3(alice)") && l.contains("Disconnected: Connection closed")).count();
    }

    private static Pop3TestClient.Session login() {
        return Pop3TestClient.Session.login(dovecot.host(), dovecot.pop3Port(), DovecotExtension.USER,
                DovecotExtension.PASSWORD);
    }

    private static String mail(int i) {
        return "From: sender@example.org\r\nTo: alice@example.org\r\nSubject: mail " + i
               + "\r\nMessage-ID: <" + i + "." + System.nanoTime() + "@example.org>\r\n\r\nBody " + i + "\r\n";
    }

    private static String tlsGreeting(SSLContext ctx) throws IOException {
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress(dovecot.host(), dovecot.pop3sPort()), 10_000);
            plain.setSoTimeout(10_000);
            try (SSLSocket tls = (SSLSocket) ctx.getSocketFactory()
                    .createSocket(plain, dovecot.host(), dovecot.pop3sPort(), true)) {
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

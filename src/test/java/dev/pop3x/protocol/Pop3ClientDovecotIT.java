package dev.pop3x.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;

import dev.pop3x.testsupport.DovecotExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.pop3x.protocol.Pop3Commands.list;
import static dev.pop3x.protocol.Pop3Commands.retrieve;
import static dev.pop3x.protocol.Pop3Commands.uidl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The wire client against a real Dovecot: every login mechanism, TLS both ways, exact RETR bytes. */
class Pop3ClientDovecotIT {

    @RegisterExtension
    static DovecotExtension dovecot = new DovecotExtension().withConfig("auth_mechanisms = plain login apop xoauth2");

    @BeforeEach
    void emptyMailbox() {
        dovecot.clearMailbox();
    }

    private Pop3ClientOptions.Builder options(Security security, int port) {
        return Pop3ClientOptions.builder().host(dovecot.host()).port(port).security(security)
                .connectTimeout(Duration.ofSeconds(10)).readTimeout(Duration.ofSeconds(20))
                .sslContext(dovecot.sslContext());
    }

    @ParameterizedTest
    @EnumSource(value = AuthMechanism.class, names = { "USER", "APOP", "PLAIN", "LOGIN" })
    void everyMechanismLogsIn(AuthMechanism mechanism) throws Exception {
        dovecot.deliver("Subject: m\r\n\r\nx\r\n");
        try (Pop3Client client = Pop3Client.connect(options(Security.TLS, dovecot.pop3sPort()).build())) {
            assertThat(client.isSecure()).isTrue();
            client.authenticate(mechanism, DovecotExtension.USER, DovecotExtension.PASSWORD);
            assertThat(list(client)).hasSize(1);
            assertThat(client.quit().ok()).isTrue();
        }
    }

    // Dovecot doubles its delay after each failed login from one address (0.5 s, 4 s, 8 s ...): two cases are enough
    @ParameterizedTest
    @EnumSource(value = AuthMechanism.class, names = { "USER", "PLAIN" })
    void aWrongPasswordIsRefusedWithoutShowingIt(AuthMechanism mechanism) throws Exception {
        try (Pop3Client client = Pop3Client.connect(options(Security.TLS, dovecot.pop3sPort()).build())) {
            assertThatThrownBy(() -> client.authenticate(mechanism, DovecotExtension.USER, "Wr0ngPassw0rd"))
                    .isInstanceOf(Pop3Exception.class)
                    .satisfies(e -> assertThat(((Pop3Exception) e).response().code()).isEqualTo("AUTH"))
                    .message().doesNotContain("Wr0ngPassw0rd");
        }
    }

    @Test
    void stlsUpgradesAndCapabilitiesAreReadAgain() throws Exception {
        try (Pop3Client client = Pop3Client.connect(options(Security.STARTTLS, dovecot.pop3Port()).build())) {
            assertThat(client.capabilities().has("STLS")).isTrue();
            client.startTls();
            assertThat(client.isSecure()).isTrue();
            assertThat(client.capabilities().has("STLS")).isFalse();
            assertThat(client.capabilities().has("PIPELINING")).isTrue();
            client.authenticate(AuthMechanism.PLAIN, DovecotExtension.USER, DovecotExtension.PASSWORD);
        }
    }

    @Test
    void anUntrustedCertificateIsRefused() throws Exception {
        SSLContext untrusted = SSLContext.getInstance("TLS");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(dovecot.untrustedTrustStorePath())) {
            ks.load(in, dovecot.trustStorePassword().toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ks);
        untrusted.init(null, tmf.getTrustManagers(), null);
        assertThatThrownBy(
                () -> Pop3Client.connect(options(Security.TLS, dovecot.pop3sPort()).sslContext(untrusted).build()))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void retrReturnsTheStoredBytesWithDotsUnstuffed() throws Exception {
        String mail = "Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nnot the end\r\n";
        dovecot.deliver(mail);
        try (Pop3Client client = Pop3Client.connect(options(Security.TLS, dovecot.pop3sPort()).build())) {
            client.authenticate(AuthMechanism.USER, DovecotExtension.USER, DovecotExtension.PASSWORD);
            List<UidlEntry> uidl = uidl(client);
            assertThat(uidl).hasSize(1);
            assertThat(uidl.get(0).uid()).matches("[0-9a-fA-F]{16}");
            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            retrieve(client, 1, sink);
            assertThat(sink.toString(StandardCharsets.US_ASCII)).isEqualTo(mail);
            // Dovecot's LIST size does not count what RETR adds; it must be close, never trusted as exact
            assertThat(list(client).get(0).size()).isBetween((long) mail.length() - 2, (long) mail.length() + 2);
        }
    }

    /**
     * Dovecot's XOAUTH2 verifies the bearer token against the passdb like a password, so the test user's password
     * serves as the one valid token: a server that really checks what it is given.
     */
    @ParameterizedTest
    @ValueSource(booleans = { true, false })
    void xoauth2InBothFormsLogsIn(boolean oneLine) throws Exception {
        try (Pop3Client client = Pop3Client.connect(options(Security.TLS, dovecot.pop3sPort()).build())) {
            client.authenticateXoauth2(DovecotExtension.USER, DovecotExtension.PASSWORD, oneLine);
            assertThat(list(client)).isNotNull();
        }
    }

    @Test
    void aWrongXoauth2TokenIsRefusedWithoutShowingIt() throws Exception {
        try (Pop3Client client = Pop3Client.connect(options(Security.TLS, dovecot.pop3sPort()).build())) {
            assertThatThrownBy(() -> client.authenticateXoauth2(DovecotExtension.USER, "not-the-token", false))
                    .isInstanceOf(Pop3Exception.class)
                    .message().doesNotContain("not-the-token");
        }
    }
}

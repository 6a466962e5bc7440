package dev.pop3x.protocol;

import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Implicit TLS and STLS against the scripted peer, with a certificate for "localhost" made by keytool. */
class Pop3TlsIT {

    private static final char[] PASS = "changeit".toCharArray();
    private static SSLContext serverContext;
    private static SSLContext clientContext;

    @BeforeAll
    static void certificate(@TempDir Path dir) throws Exception {
        Path ks = dir.resolve("server.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "pop3", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost", "-validity", "2",
                "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();

        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(ks.toFile())) {
            keys.load(in, PASS);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, PASS);
        serverContext = SSLContext.getInstance("TLS");
        serverContext.init(kmf.getKeyManagers(), null, null);

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("pop3", keys.getCertificate("pop3"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        clientContext = SSLContext.getInstance("TLS");
        clientContext.init(null, tmf.getTrustManagers(), null);
    }

    private static Pop3ClientOptions options(String host, ScriptedPop3Peer peer, Security security) {
        return Pop3ClientOptions.builder().host(host).port(peer.port()).security(security)
                .connectTimeout(Duration.ofSeconds(5)).readTimeout(Duration.ofSeconds(5)).sslContext(clientContext)
                .build();
    }

    @Test
    void implicitTls() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().startTls(serverContext).send("+OK ready")
                .expect("QUIT", "+OK Logging out").start();
             Pop3Client c = Pop3Client.connect(options("localhost", peer, Security.TLS))) {
            assertThat(c.isSecure()).isTrue();
            assertThat(c.quit().ok()).isTrue();
        }
    }

    @Test
    void hostNameIsVerified() throws Exception {
        // the certificate names "localhost" only; the same server reached as 127.0.0.1 must be refused
        ScriptedPop3Peer peer = new ScriptedPop3Peer().startTls(serverContext).send("+OK ready").start();
        assertThatThrownBy(() -> Pop3Client.connect(options("127.0.0.1", peer, Security.TLS)))
                .isInstanceOf(SSLException.class).hasMessageContaining("127.0.0.1");
        assertThatThrownBy(peer::close).isInstanceOf(AssertionError.class); // the peer saw the handshake fail
    }

    @Test
    void stlsUpgradesAndForgetsCapabilities() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send("+OK ready")
                .expect("CAPA", "+OK", "STLS", "USER", ".")
                .expect("STLS", "+OK Begin TLS negotiation").startTls(serverContext)
                .expect("CAPA", "+OK", "USER", "SASL PLAIN", ".")
                .expect("QUIT", "+OK").start();
             Pop3Client c = Pop3Client.connect(options("localhost", peer, Security.STARTTLS))) {
            assertThat(c.isSecure()).isFalse();
            assertThat(c.capabilities().has("STLS")).isTrue();
            c.startTls();
            assertThat(c.isSecure()).isTrue();
            Capabilities after = c.capabilities();
            assertThat(after.has("STLS")).isFalse();
            assertThat(after.saslMechanisms()).containsExactly("PLAIN");
            c.quit();
        }
    }

    @Test
    void stlsRefused() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send("+OK ready")
                .expect("STLS", "-ERR TLS not available").start();
             Pop3Client c = Pop3Client.connect(options("localhost", peer, Security.STARTTLS))) {
            assertThatThrownBy(c::startTls).isInstanceOf(Pop3Exception.class)
                    .hasMessage("STLS failed: -ERR TLS not available");
            assertThat(c.isSecure()).isFalse();
        }
    }

    @Test
    void plaintextInjectedAfterStlsIsRefused() throws Exception {
        // a man in the middle appends a command answer before the handshake (the CVE-2011-0411 pattern)
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send("+OK ready")
                .expect("STLS", "+OK Begin TLS", "+OK injected").start();
             Pop3Client c = Pop3Client.connect(options("localhost", peer, Security.STARTTLS))) {
            assertThatThrownBy(c::startTls).isInstanceOf(Pop3ProtocolException.class)
                    .hasMessageContaining("before the TLS handshake");
            assertThat(c.isOpen()).isFalse();
        }
    }
}

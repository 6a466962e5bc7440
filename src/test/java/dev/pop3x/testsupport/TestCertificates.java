package dev.pop3x.testsupport;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Test certificates made with {@code openssl} in a server's temp folder: a self-signed server certificate for
 * CN=localhost with SAN DNS:localhost, IP:127.0.0.1 ({@code cert.pem}, {@code key.pem}), a PKCS12 trust store trusting
 * exactly that certificate, and one trusting only an unrelated certificate (also CN=localhost). Both stores use
 * {@link #TRUST_STORE_PASSWORD}.
 */
record TestCertificates(Path cert, Path key, Path trustStore, Path untrustedTrustStore) {

    static final String TRUST_STORE_PASSWORD = "changeit";
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);

    static String opensslBinary() {
        return TestServerProcess.findBinary("openssl", "/usr/bin", "/usr/local/bin");
    }

    /** Creates the certificates and trust stores in {@code dir} (file names as in the class comment). */
    static TestCertificates create(String openssl, Path dir) throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Path otherCert = dir.resolve("untrusted-cert.pem");
        Path otherKey = dir.resolve("untrusted-key.pem");
        for (Path[] pair : new Path[][] { { key, cert }, { otherKey, otherCert } }) {
            TestServerProcess.run(dir, List.of(openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", pair[0].toString(), "-out", pair[1].toString(), "-days", "7"), TOOL_TIMEOUT);
        }
        return new TestCertificates(cert, key, writeTrustStore(cert, dir.resolve("truststore.p12")),
                writeTrustStore(otherCert, dir.resolve("untrusted-truststore.p12")));
    }

    /** A SHA-512 crypt hash ({@code $6$...}) of {@code password}, as /etc/shadow and crypt(3) use. */
    static String cryptSha512(String openssl, Path dir, String password) throws Exception {
        return TestServerProcess.run(dir, List.of(openssl, "passwd", "-6", password), TOOL_TIMEOUT).trim();
    }

    /** An SSLContext trusting only the certificates in the PKCS12 store (password {@link #TRUST_STORE_PASSWORD}). */
    static SSLContext sslContext(Path trustStorePath) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(trustStorePath)) {
                ks.load(in, TRUST_STORE_PASSWORD.toCharArray());
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException("cannot load trust store " + trustStorePath, e);
        }
    }

    private static Path writeTrustStore(Path pem, Path target) throws Exception {
        Certificate certificate;
        try (InputStream in = Files.newInputStream(pem)) {
            certificate = CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("pop3x-test", certificate);
        try (var out = Files.newOutputStream(target)) {
            ks.store(out, TRUST_STORE_PASSWORD.toCharArray());
        }
        return target;
    }
}

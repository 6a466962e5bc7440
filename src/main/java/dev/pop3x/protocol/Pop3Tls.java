package dev.pop3x.protocol;

import java.io.IOException;
import java.net.Socket;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.regex.Pattern;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/** TLS over an already connected socket: used for implicit TLS and for STLS alike. */
final class Pop3Tls {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private Pop3Tls() {
    }

    /** Layers TLS on the socket, verifies the certificate and the host name, and completes the handshake. */
    static SSLSocket layer(Socket plain, Pop3ClientOptions options, String host) throws IOException {
        SSLContext ctx = options.sslContext();
        if (ctx == null) {
            try {
                ctx = SSLContext.getDefault();
            } catch (NoSuchAlgorithmException e) {
                throw new IOException("no default SSLContext", e);
            }
        }
        SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket(plain, host, plain.getPort(), true);
        SSLParameters params = ssl.getSSLParameters();
        // host name verification is never optional; "HTTPS" = RFC 2818 rules, also right for POP3 (RFC 2595 §2.4)
        params.setEndpointIdentificationAlgorithm("HTTPS");
        if (isHostName(host)) {
            try {
                params.setServerNames(List.of(new SNIHostName(stripTrailingDot(host))));
            } catch (IllegalArgumentException e) {
                // a name SNI cannot carry (e.g. with '_'): connect without SNI, verification still applies
            }
        }
        ssl.setSSLParameters(params);
        ssl.setSoTimeout(plain.getSoTimeout());
        ssl.startHandshake();
        return ssl;
    }

    static boolean isHostName(String host) {
        return host != null && !host.isEmpty() && host.indexOf(':') < 0 && !IPV4.matcher(host).matches();
    }

    private static String stripTrailingDot(String host) {
        return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    }
}

package dev.pop3x.protocol;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The login exchanges. Errors name the command only; any secret the server might echo back
 * is masked out of the response before it goes into an exception.
 */
final class Pop3Auth {

    /** RFC 2449: command lines, CRLF included, are at most 255 octets; RFC 5034 §4 applies it to AUTH. */
    private static final int MAX_COMMAND_LINE = 255;

    private final Pop3Client client;

    Pop3Auth(Pop3Client client) {
        this.client = client;
    }

    void userPass(String user, String password) throws IOException {
        simple("USER", "USER " + user, password);
        simple("PASS", "PASS " + password, password);
    }

    void apop(String user, String password, String timestamp) throws IOException {
        String digest = md5Hex(timestamp + password);
        simple("APOP", "APOP " + user + " " + digest, password, digest);
    }

    void plain(String user, String password) throws IOException {
        if (user.indexOf('\0') >= 0 || password.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("user name or password contains NUL, which SASL PLAIN cannot carry");
        }
        String b64 = base64("\0" + user + "\0" + password);
        sasl("AUTH PLAIN", b64, "AUTH PLAIN ".length() + b64.length() + 2 <= MAX_COMMAND_LINE, "*", password);
    }

    void login(String user, String password) throws IOException {
        String cmd = "AUTH LOGIN";
        String b64Password = base64(password);
        client.writeLine(cmd);
        client.flush();
        expectContinuation(cmd, password, b64Password);
        client.writeLine(base64(user));
        client.flush();
        expectContinuation(cmd, password, b64Password);
        client.writeLine(b64Password);
        client.flush();
        finish(cmd, "*", password, b64Password);
    }

    void xoauth2(String user, String token, boolean oneLine) throws IOException {
        String b64 = base64("user=" + user + "\u0001auth=Bearer " + token + "\u0001\u0001");
        // a failed XOAUTH2 gets a "+ " error challenge that is answered with an empty line, not "*"
        sasl("AUTH XOAUTH2", b64, oneLine, "", token);
    }

    /** AUTH mech with the response either as initial response on the same line or after a "+ " challenge. */
    private void sasl(String cmd, String b64, boolean initialResponse, String cancel, String secret)
            throws IOException {
        if (initialResponse) {
            client.writeLine(cmd + " " + b64);
        } else {
            client.writeLine(cmd);
            client.flush();
            expectContinuation(cmd, secret, b64);
            client.writeLine(b64);
        }
        client.flush();
        finish(cmd, cancel, secret, b64);
    }

    private void simple(String name, String line, String... secrets) throws IOException {
        client.writeLine(line);
        client.flush();
        Pop3Response r = client.readStatus(name);
        if (!r.ok()) {
            throw fail(name, r, secrets);
        }
    }

    private void expectContinuation(String cmd, String... secrets) throws IOException {
        String line = client.readLine(cmd);
        Pop3Response r = client.parse(line);
        if (!r.ok()) {
            throw fail(cmd, r, secrets);
        }
        if (!Pop3Response.isContinuation(line)) {
            client.close();
            throw new Pop3ProtocolException(cmd + ": expected a \"+ \" challenge, got +OK");
        }
    }

    /** Reads the final answer; a further challenge at this point means failure details: cancel, then read -ERR. */
    private void finish(String cmd, String cancel, String... secrets) throws IOException {
        String line = client.readLine(cmd);
        Pop3Response r = client.parse(line);
        if (Pop3Response.isContinuation(line)) {
            client.writeLine(cancel);
            client.flush();
            r = client.readStatus(cmd);
            if (r.ok()) {
                // a server that accepts a cancelled exchange is not one to keep talking to
                client.close();
                throw new Pop3ProtocolException(cmd + ": server accepted a cancelled authentication");
            }
        }
        if (!r.ok()) {
            throw fail(cmd, r, secrets);
        }
    }

    private static Pop3Exception fail(String cmd, Pop3Response r, String... secrets) {
        String text = r.text();
        for (String s : secrets) {
            if (s != null && !s.isEmpty()) {
                text = text.replace(s, "***");
            }
        }
        return new Pop3Exception(cmd, new Pop3Response(r.ok(), r.code(), text));
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static String md5Hex(String s) {
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            return HexFormat.of().formatHex(md5.digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required by every JDK", e);
        }
    }
}

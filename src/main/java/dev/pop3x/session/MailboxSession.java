package dev.pop3x.session;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.security.DigestOutputStream;
import java.time.Duration;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import dev.pop3x.protocol.Capabilities;
import dev.pop3x.protocol.ListEntry;
import dev.pop3x.protocol.Pop3Client;
import dev.pop3x.protocol.Pop3ClientOptions;
import dev.pop3x.protocol.Pop3Exception;
import dev.pop3x.protocol.Pop3Response;
import dev.pop3x.protocol.Security;
import dev.pop3x.protocol.UidlEntry;

/**
 * One poll's POP3 session: connect and log in, take the snapshot, fetch and delete messages, QUIT. Used by the poll
 * thread only; nothing else ever writes to its socket.
 */
public final class MailboxSession implements Closeable {

    private final Pop3Client client;
    private final Capabilities capabilities;
    private boolean headerDigestKeys;

    private MailboxSession(Pop3Client client, Capabilities capabilities) {
        this.client = client;
        this.capabilities = capabilities;
    }

    /**
     * Connects (implicit TLS or STLS as configured) and logs in.
     *
     * @throws AuthenticationFailedException the credentials were refused
     * @throws MailboxUnavailableException   the mailbox or server is unavailable ([IN-USE], [LOGIN-DELAY], [SYS/*])
     */
    public static MailboxSession open(Pop3ClientOptions options, Login login) throws IOException {
        String mailbox = login.username() + "@" + options.host() + ":" + options.port();
        Pop3Client client;
        try {
            client = Pop3Client.connect(options);
        } catch (Pop3Exception e) {
            throw MailboxUnavailableException.applies(e) ? new MailboxUnavailableException(mailbox, e, Duration.ZERO) : e;
        }
        try {
            if (options.security() == Security.STARTTLS) {
                if (!client.capabilities().has("STLS")) {
                    throw new IOException("security=starttls, but " + options.host() + ":" + options.port()
                                          + " does not offer STLS; refusing to log in without TLS");
                }
                client.startTls();
            }
            Capabilities capabilities = client.capabilities();
            try {
                login.authenticate(client, capabilities);
            } catch (Pop3Exception e) {
                throw MailboxUnavailableException.applies(e)
                        ? new MailboxUnavailableException(mailbox, e, loginDelay(capabilities))
                        : new AuthenticationFailedException(mailbox, e);
            }
            return new MailboxSession(client, capabilities);
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /**
     * The minimum time between logins the server announced (RFC 2449 LOGIN-DELAY), zero if none.
     */
    public Duration loginDelay() {
        return loginDelay(capabilities);
    }

    private static Duration loginDelay(Capabilities capabilities) {
        try {
            return capabilities.argument("LOGIN-DELAY").map(s -> Duration.ofSeconds(Long.parseLong(s.trim())))
                    .orElse(Duration.ZERO);
        } catch (NumberFormatException e) {
            return Duration.ZERO;
        }
    }

    /** False once the connection failed (the client drops it on anything but a plain -ERR). */
    public boolean isOpen() {
        return client.isOpen();
    }

    /**
     * One UIDL and one LIST for the whole mailbox (UIDL first: GNU Mailutils grows a message by an X-UIDL header
     * when it first computes its UIDL, and LIST should show the grown size).
     *
     * <p>A server without UIDL gets a stand-in key per message: a digest of its header ({@code TOP n 0}) and its LIST
     * size. That costs one TOP per message and poll; identical headers and sizes count as copies of one mail.
     */
    public MailboxSnapshot snapshot() throws IOException {
        List<UidlEntry> uidl;
        try {
            uidl = client.uidl();
        } catch (Pop3Exception e) {
            List<ListEntry> list = client.list();
            headerDigestKeys = true;
            return new MailboxSnapshot(headerDigests(list), list);
        }
        return new MailboxSnapshot(uidl, client.list());
    }

    /** True when the server had no UIDL and mails are keyed by a digest of their header. */
    public boolean usesHeaderDigestKeys() {
        return headerDigestKeys;
    }

    private List<UidlEntry> headerDigests(List<ListEntry> list) throws IOException {
        List<UidlEntry> keys = new ArrayList<>(list.size());
        for (ListEntry entry : list) {
            MessageDigest sha256 = sha256();
            try (OutputStream digest = new DigestOutputStream(OutputStream.nullOutputStream(), sha256)) {
                client.top(entry.messageNumber(), 0, digest);
            } catch (Pop3Exception e) {
                throw new IOException("The server supports neither UIDL nor TOP: pop3x cannot tell its mails apart"
                                      + " from one session to the next (" + e.getMessage() + ")", e);
            }
            String key = "h" + HexFormat.of().formatHex(sha256.digest(), 0, 16) + "." + entry.size();
            keys.add(new UidlEntry(entry.messageNumber(), key));
        }
        return keys;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JDK", e);
        }
    }

    /** RETR into memory or a spool file. */
    public SpooledMessage retrieve(int number, long spoolThreshold) throws IOException {
        return download(spoolThreshold, sink -> client.retrieve(number, sink));
    }

    /** {@code TOP n 0}: the header only, for mails too large to download whole. */
    public SpooledMessage retrieveHeader(int number, long spoolThreshold) throws IOException {
        return download(spoolThreshold, sink -> client.top(number, 0, sink));
    }

    private interface Command {
        void writeTo(SpooledMessage.Sink sink) throws IOException;
    }

    private static SpooledMessage download(long spoolThreshold, Command command) throws IOException {
        SpooledMessage.Sink sink = SpooledMessage.sink(spoolThreshold);
        try {
            command.writeTo(sink);
            return sink.finish();
        } catch (IOException | RuntimeException e) {
            sink.discard();
            throw e;
        }
    }

    /** DELE: only marks the message; the server deletes it when QUIT succeeds. */
    public void delete(int number) throws IOException {
        client.delete(number);
    }

    /** @return true when the server confirmed QUIT, which is what makes the DELEs of this session final */
    public boolean quit() throws IOException {
        Pop3Response answer = client.quit();
        return answer.ok();
    }

    @Override
    public void close() {
        client.close();
    }
}

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

import javax.net.ssl.SSLException;

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
    private final boolean pipelining;
    private boolean headerDigestKeys;
    /** Commands sent whose answers are not read yet, in order; a DELE carries the UIDL it is for. */
    private final java.util.ArrayDeque<Outstanding> outstanding = new java.util.ArrayDeque<>();
    private final java.util.Map<String, Integer> markedCopies = new java.util.HashMap<>();
    private final java.util.Set<String> refusedUids = new java.util.HashSet<>();

    private record Outstanding(String command, String uid) {
    }

    private MailboxSession(Pop3Client client, Capabilities capabilities, boolean pipelining) {
        this.client = client;
        this.capabilities = capabilities;
        this.pipelining = pipelining && capabilities.has("PIPELINING");
    }

    /**
     * Connects (implicit TLS or STLS as configured) and logs in.
     *
     * @throws AuthenticationFailedException the credentials were refused
     * @throws MailboxUnavailableException   the mailbox or server is unavailable ([IN-USE], [LOGIN-DELAY], [SYS/*])
     */
    public static MailboxSession open(Pop3ClientOptions options, Login login, boolean allowPipelining) throws IOException {
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
                    // a TLS failure like a failed handshake (the health check reports both as TLS)
                    throw new SSLException("security=starttls, but " + options.host() + ":" + options.port()
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
            return new MailboxSession(client, capabilities, allowPipelining);
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
     * One UIDL and one LIST for the whole mailbox, sent together when the server pipelines (UIDL first: GNU Mailutils
     * grows a message by an X-UIDL header when it first computes its UIDL, and LIST should show the grown size).
     *
     * <p>A server without UIDL gets a stand-in key per message: a digest of its header ({@code TOP n 0}) and its LIST
     * size. That costs one TOP per message and poll; identical headers and sizes count as copies of one mail.
     */
    public MailboxSnapshot snapshot() throws IOException {
        client.send("UIDL");
        if (!pipelining) {
            client.flush();
            List<UidlEntry> uidl = readUidlOrNull();
            client.send("LIST");
            client.flush();
            return snapshotOf(uidl, client.readListAnswer());
        }
        client.send("LIST");
        client.flush();
        List<UidlEntry> uidl = readUidlOrNull();
        return snapshotOf(uidl, client.readListAnswer());
    }

    private List<UidlEntry> readUidlOrNull() throws IOException {
        try {
            return client.readUidlAnswer();
        } catch (Pop3Exception e) {
            return null; // no UIDL on this server
        }
    }

    private MailboxSnapshot snapshotOf(List<UidlEntry> uidl, List<ListEntry> list) throws IOException {
        if (uidl == null) {
            headerDigestKeys = true;
            uidl = headerDigests(list);
        }
        return new MailboxSnapshot(uidl, list);
    }

    /** True when the server had no UIDL and mails are keyed by a digest of their header. */
    public boolean usesHeaderDigestKeys() {
        return headerDigestKeys;
    }

    /** True when the server announced PIPELINING and the endpoint allows it: commands then go out in windows. */
    public boolean isPipelining() {
        return pipelining;
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

    // ---- messages and deletes: commands are queued, and with PIPELINING sent together at flush() ----

    /** Asks for a message: RETR, or {@code TOP n 0} for its header only. Read the answer with {@link #readMessage}. */
    public void requestMessage(int number, boolean headerOnly) throws IOException {
        String command = headerOnly ? "TOP " + number + " 0" : "RETR " + number;
        client.send(command);
        outstanding.add(new Outstanding(command, null));
        if (!pipelining) {
            client.flush();
        }
    }

    /**
     * DELE for every copy of a mail: only marks it; the server deletes it when QUIT succeeds. Without pipelining the
     * answers are read at once; with it, before the next message or at QUIT.
     */
    public void requestDelete(String uid, List<Integer> numbers) throws IOException {
        for (int number : numbers) {
            client.send("DELE " + number);
            outstanding.add(new Outstanding("DELE " + number, uid));
        }
        if (!pipelining) {
            client.flush();
            readDeleteAnswers();
        }
    }

    /** Sends what was queued (with pipelining: one write for a whole window of commands). */
    public void flush() throws IOException {
        client.flush();
    }

    /**
     * Reads the answers to the DELEs sent so far that come before the next message answer.
     *
     * @return the refusals, as "uid: answer", for the log; refused mails stay delete-pending
     */
    public List<String> readDeleteAnswers() throws IOException {
        List<String> refused = new ArrayList<>();
        while (!outstanding.isEmpty() && outstanding.peek().uid() != null) {
            Outstanding dele = outstanding.poll();
            Pop3Response answer = client.readAnswer(dele.command());
            if (answer.ok()) {
                markedCopies.merge(dele.uid(), 1, Integer::sum);
            } else {
                refusedUids.add(dele.uid());
                refused.add(dele.uid() + ": " + dele.command() + " -ERR " + answer.text());
            }
        }
        return refused;
    }

    /**
     * Reads the next message answer into memory or a spool file.
     *
     * @throws Pop3Exception the server refused this one message ({@code -ERR}); the session is still usable
     */
    public SpooledMessage readMessage(long spoolThreshold) throws IOException {
        return readMessage(spoolThreshold, 0);
    }

    /** As {@link #readMessage(long)}, with the size LIST announced for it (0 or less when unknown). */
    public SpooledMessage readMessage(long spoolThreshold, long expectedSize) throws IOException {
        Outstanding request = outstanding.poll();
        if (request == null || request.uid() != null) {
            throw new IllegalStateException("no message answer is outstanding; read the DELE answers first");
        }
        SpooledMessage.Sink sink = SpooledMessage.sink(spoolThreshold, expectedSize);
        try {
            client.readMessageAnswer(request.command(), sink);
            return sink.finish();
        } catch (IOException | RuntimeException e) {
            sink.discard();
            throw e;
        }
    }

    /** Mails whose DELE the server accepted for every copy: deleted if QUIT succeeds. */
    public java.util.Set<String> markedForDeletion() {
        java.util.Set<String> marked = new java.util.LinkedHashSet<>(markedCopies.keySet());
        marked.removeAll(refusedUids);
        return marked;
    }

    /** True while a RETR/TOP answer is still unread: a QUIT now would be answered after it. */
    public boolean awaitsMessageAnswers() {
        return outstanding.stream().anyMatch(o -> o.uid() == null);
    }

    /** @return true when the server confirmed QUIT, which is what makes the DELEs of this session final */
    public boolean quit() throws IOException {
        if (awaitsMessageAnswers()) {
            throw new IllegalStateException("QUIT while message answers are unread would misread them as its own");
        }
        client.send("QUIT");
        client.flush();
        readDeleteAnswers();
        try {
            return client.readAnswer("QUIT").ok();
        } finally {
            client.close();
        }
    }

    @Override
    public void close() {
        client.close();
    }
}

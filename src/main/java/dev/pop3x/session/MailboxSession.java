package dev.pop3x.session;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.net.ssl.SSLException;

import dev.pop3x.protocol.Capabilities;
import dev.pop3x.protocol.ListEntry;
import dev.pop3x.protocol.Pop3Client;
import dev.pop3x.protocol.Pop3ClientOptions;
import dev.pop3x.protocol.Pop3Command;
import dev.pop3x.protocol.Pop3Exception;
import dev.pop3x.protocol.Pop3Response;
import dev.pop3x.protocol.Security;
import dev.pop3x.protocol.UidlEntry;

/**
 * One poll's POP3 session: connect and log in, take the snapshot, fetch and delete messages, QUIT. Used by the poll
 * thread only; nothing else ever writes to its socket. The order of the commands in flight and the matching of
 * answers to them is the {@link Pop3Client}'s; this class keeps what the answers mean for the mails.
 */
public final class MailboxSession implements Closeable, MessageSizes {

    /**
     * {@code LIST n} commands sent in one write: their answers (some 20 octets each) fit in any socket buffer, so the
     * server never blocks on writing while the client is still sending.
     */
    static final int LIST_BATCH = 500;
    /** Without PIPELINING, {@code LIST n} commands (round trips) a poll makes before it asks one whole LIST. */
    static final int SEQUENTIAL_LISTS = 16;

    private final Pop3Client client;
    private final Capabilities capabilities;
    private final boolean pipelining;
    private final Spool spool;
    private boolean headerDigestKeys;
    /** RETRs and TOPs queued whose messages are not taken yet, in order. */
    private final Deque<MessageRequest> messageRequests = new ArrayDeque<>();
    private final Map<String, Integer> markedCopies = new HashMap<>();
    private final Set<String> refusedUids = new HashSet<>();
    /** DELE refusals not reported yet, as "uid: answer". */
    private final List<String> refusals = new ArrayList<>();

    private MailboxSession(Pop3Client client, Capabilities capabilities, boolean pipelining, Spool spool) {
        this.client = client;
        this.capabilities = capabilities;
        this.pipelining = pipelining;
        this.spool = spool;
    }

    /**
     * Connects (implicit TLS or STLS as configured) and logs in.
     *
     * @param spool where downloaded messages are kept
     * @throws AuthenticationFailedException the credentials were refused
     * @throws MailboxUnavailableException   the mailbox or server is unavailable ([IN-USE], [LOGIN-DELAY], [SYS/*])
     */
    public static MailboxSession open(Pop3ClientOptions options, Login login, boolean allowPipelining, Spool spool)
            throws IOException {
        String mailbox = login.username() + "@" + options.host() + ":" + options.port();
        Pop3Client client;
        try {
            client = Pop3Client.connect(options);
        } catch (Pop3Exception e) {
            throw MailboxUnavailableException.applies(e) ? new MailboxUnavailableException(mailbox, e, Duration.ZERO)
                    : e;
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
            return new MailboxSession(client, capabilities, allowPipelining && client.usePipelining(), spool);
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
     * One UIDL for the whole mailbox: all a poll of known mails needs. Sizes are asked later, for the mails the poll
     * may retrieve only ({@link #sized}).
     *
     * <p>A server without UIDL gets a stand-in key per message: a digest of its header ({@code TOP n 0}) and its LIST
     * size. That costs one LIST, and one TOP per message and poll; identical headers and sizes count as copies of one
     * mail.
     */
    public MailboxSnapshot snapshot() throws IOException {
        List<UidlEntry> uids;
        try {
            uids = client.execute(Pop3Command.uidl());
        } catch (Pop3Exception e) {
            headerDigestKeys = true;
            List<ListEntry> list = client.execute(Pop3Command.list());
            return new MailboxSnapshot(headerDigests(list), list);
        }
        return MailboxSnapshot.unsized(uids);
    }

    /**
     * LIST for the mails whose size is not known yet: {@code LIST n} per mail (pipelined in batches when the server
     * pipelines), or one LIST for the whole mailbox when that is cheaper ({@link #wholeListIsCheaper}). Always after
     * the UIDL: GNU Mailutils grows a message by an X-UIDL header when it first computes its UIDL, and LIST should
     * show the grown size. A {@code LIST n} answered -ERR leaves that size unknown (-1) and the poll goes on.
     */
    @Override
    public MailboxSnapshot sized(MailboxSnapshot snapshot, List<MailboxMessage> mails) throws IOException {
        List<MailboxMessage> unknown = mails.stream().filter(m -> m.size() < 0).toList();
        if (unknown.isEmpty()) {
            return snapshot;
        }
        Map<Integer, Long> sizes = new HashMap<>(unknown.size() * 2);
        if (wholeListIsCheaper(unknown.size(), snapshot.messages().size(), pipelining)) {
            client.execute(Pop3Command.list()).forEach(e -> sizes.put(e.messageNumber(), e.size()));
            return snapshot.withSizes(sizes);
        }
        for (int from = 0; from < unknown.size(); from += LIST_BATCH) {
            List<Pop3Command<ListEntry>> batch = new ArrayList<>();
            for (MailboxMessage m : unknown.subList(from, Math.min(from + LIST_BATCH, unknown.size()))) {
                batch.add(client.queue(Pop3Command.list(m.number())));
            }
            client.flush();
            for (Pop3Command<ListEntry> list : batch) {
                try {
                    ListEntry entry = client.answer(list);
                    sizes.put(entry.messageNumber(), entry.size());
                } catch (Pop3Exception e) {
                    // gone or unreadable: its RETR will tell (a refused RETR is handled per mail)
                }
            }
        }
        return snapshot.withSizes(sizes);
    }

    /**
     * Per mail, {@code LIST n} costs its command line and a "+OK " status line on top of the "n size" line that one
     * whole LIST sends for every message: about 2.5 times the octets of a LIST line, counting both directions. So one
     * LIST is fewer octets once more than about 40% of the mailbox needs sizes; a third leaves room for the server's
     * work per command. Without PIPELINING every {@code LIST n} is a round trip of its own: past a few (16), one LIST
     * (one round trip, about 12 octets a message) is the faster way.
     */
    static boolean wholeListIsCheaper(int wanted, int messages, boolean pipelining) {
        return wanted * 3 > messages || !pipelining && wanted > SEQUENTIAL_LISTS;
    }

    /** True when the server had no UIDL and mails are keyed by a digest of their header. */
    public boolean usesHeaderDigestKeys() {
        return headerDigestKeys;
    }

    /** True when the server's CAPA lists TOP: a -ERR to one TOP is then about that mail, not about the command. */
    public boolean offersTop() {
        return capabilities.has("TOP");
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
                client.execute(Pop3Command.top(entry.messageNumber(), 0, body -> body.copyTo(digest)));
            } catch (Pop3Exception e) {
                throw new IOException("The server supports neither UIDL nor TOP: pop3x cannot tell its mails apart"
                                      + " from one session to the next (" + e.getMessage() + ")",
                        e);
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

    /** Asks for a whole message (RETR); its answer is read with {@link #readMessage}, in the order asked for. */
    public MessageRequest requestMessage(MailboxMessage message) throws IOException {
        return queueDownload(message, Pop3Command.retr(message.number(), body -> download(body, message.size())));
    }

    /** Asks for a message's header only ({@code TOP n 0}); read with {@link #readMessage}, in the order asked for. */
    public MessageRequest requestHeaders(MailboxMessage message) throws IOException {
        return queueDownload(message, Pop3Command.top(message.number(), 0, body -> download(body, 0)));
    }

    private MessageRequest queueDownload(MailboxMessage message, Pop3Command<SpooledMessage> command)
            throws IOException {
        MessageRequest request = new MessageRequest(message, client.queue(command));
        messageRequests.add(request);
        if (!pipelining) {
            client.flush();
        }
        return request;
    }

    private SpooledMessage download(Pop3Command.Body body, long expectedSize) throws IOException {
        SpooledMessage.Sink sink = spool.sink(expectedSize);
        try {
            body.copyTo(sink);
            return sink.finish();
        } catch (IOException | RuntimeException e) {
            sink.discard();
            throw e;
        }
    }

    /**
     * DELE for every copy of a mail: only marks it; the server deletes it when QUIT succeeds. Without pipelining the
     * answers are read at once; with it, before the next message or at QUIT.
     */
    public void requestDelete(String uid, List<Integer> numbers) throws IOException {
        Pop3Command<Pop3Response> last = null;
        for (int number : numbers) {
            last = client
                    .queue(Pop3Command.singleLine("DELE " + number, answer -> deleteAnswered(uid, number, answer)));
        }
        if (!pipelining && last != null) {
            client.flush();
            client.answer(last);
        }
    }

    private Pop3Response deleteAnswered(String uid, int number, Pop3Response answer) {
        if (answer.ok()) {
            markedCopies.merge(uid, 1, Integer::sum);
        } else {
            refusedUids.add(uid);
            refusals.add(uid + ": DELE " + number + " -ERR " + answer.text());
        }
        return answer;
    }

    /** Sends what was queued (with pipelining: one write for a whole window of commands). */
    public void flush() throws IOException {
        client.flush();
    }

    /**
     * Reads the answers to the DELEs sent so far that come before the next message answer.
     *
     * @return the refusals not reported yet, as "uid: answer", for the log; refused mails stay delete-pending
     */
    public List<String> readDeleteAnswers() throws IOException {
        MessageRequest next = messageRequests.peek();
        client.readAnswersBefore(next == null ? null : next.command);
        List<String> refused = List.copyOf(refusals);
        refusals.clear();
        return refused;
    }

    /**
     * The answer to a message asked for, in memory or in a spool file (DELE answers before it are read on the way).
     *
     * @param  request               the next message asked for: answers come in the order asked for
     * @throws Pop3Exception         the server refused this one message ({@code -ERR}); the session is still usable
     * @throws IllegalStateException {@code request} is not the next answer due
     */
    public SpooledMessage readMessage(MessageRequest request) throws IOException {
        if (messageRequests.peek() != request) {
            throw new IllegalStateException("the answer due is " + messageRequests.peek() + ", not " + request);
        }
        messageRequests.poll();
        return client.answer(request.command);
    }

    /** Mails whose DELE the server accepted for every copy: deleted if QUIT succeeds. */
    public Set<String> markedForDeletion() {
        Set<String> marked = new LinkedHashSet<>(markedCopies.keySet());
        marked.removeAll(refusedUids);
        return marked;
    }

    /** True while a message asked for is not taken yet: the client refuses a QUIT before its answer. */
    public boolean awaitsMessageAnswers() {
        return !messageRequests.isEmpty();
    }

    /**
     * QUIT behind the DELEs queued, then close.
     *
     * @return true when the server confirmed QUIT, which is what makes the DELEs of this session final
     * @throws IllegalStateException a message answer is unread (nothing is sent then)
     */
    public boolean quit() throws IOException {
        return client.quit().ok();
    }

    @Override
    public void close() {
        client.close();
    }
}

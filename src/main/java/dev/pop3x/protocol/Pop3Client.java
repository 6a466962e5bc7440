package dev.pop3x.protocol;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A POP3 session (RFC 1939, 2449, 2595, 5034) over one socket. Not thread-safe: one poll, one thread.
 * <p>
 * Commands are {@link Pop3Command}s: {@link #queue} them, {@link #flush()}, and take each one's result with
 * {@link #answer}. The client keeps the commands in the order they went out and reads the answers strictly in that
 * order, handing each to its own command, so a caller can never take one command's answer for another's. With
 * PIPELINING ({@link #usePipelining()}) a flush sends everything queued in one write; without it one command is on
 * the wire at a time, and the next goes out when the answer before it has been read.
 * <p>
 * Nothing here logs: command lines may carry credentials. Any I/O or protocol error other than a plain
 * {@code -ERR} closes the socket, because the stream position is then unknown, and a dropped connection
 * is the safe outcome in POP3 (the server deletes nothing).
 */
public final class Pop3Client implements Closeable {

    private static final byte[] CRLF = { '\r', '\n' };
    private static final Pattern APOP_TIMESTAMP = Pattern.compile("<[^<>\\s]+@[^<>\\s]+>");
    // CAPA answers are a few hundred octets; the bound stops a broken server from filling the heap
    private static final int MAX_CAPA_OCTETS = 64 * 1024;

    private final Pop3ClientOptions options;
    private final String endpoint;
    /** Queued, not sent yet. */
    private final Deque<Pop3Command<?>> unsent = new ArrayDeque<>();
    /** Sent, answer not read yet: the answers arrive in this order. */
    private final Deque<Pop3Command<?>> unanswered = new ArrayDeque<>();
    private Socket socket;
    private Pop3Input in;
    private OutputStream out;
    private boolean secure;
    private boolean pipelining;
    private boolean closed;
    private Pop3Response greeting;
    private String greetingLine;
    private Capabilities capabilities;
    private String lastCommand = "the greeting";

    private Pop3Client(Socket socket, Pop3ClientOptions options, boolean secure) throws IOException {
        this.options = options;
        this.endpoint = options.host() + ":" + options.port();
        attach(socket, secure);
    }

    /**
     * TCP connect (connectTimeout), implicit TLS handshake when security=TLS, then the greeting, which must be +OK
     * (else a Pop3Exception with command "greeting"). Socket read timeout = readTimeout.
     */
    public static Pop3Client connect(Pop3ClientOptions options) throws IOException {
        if (options.host() == null) {
            throw new IllegalArgumentException("host is required");
        }
        Socket socket = new Socket();
        try {
            // commands are buffered and flushed per batch already; Nagle would only hold a batch back for an ACK
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(options.host(), options.port()),
                    Pop3ClientOptions.millis(options.connectTimeout()));
            socket.setSoTimeout(Pop3ClientOptions.millis(options.readTimeout()));
            boolean tls = options.security() == Security.TLS;
            if (tls) {
                socket = Pop3Tls.layer(socket, options, options.host());
            }
            Pop3Client client = new Pop3Client(socket, options, tls);
            client.readGreeting();
            return client;
        } catch (IOException | RuntimeException e) {
            closeQuietly(socket);
            throw e;
        }
    }

    private void attach(Socket s, boolean tls) throws IOException {
        this.socket = s;
        this.in = new Pop3Input(s.getInputStream());
        this.out = new BufferedOutputStream(s.getOutputStream(), 8192);
        this.secure = tls;
    }

    private void readGreeting() throws IOException {
        greetingLine = readLine("the greeting");
        greeting = parse(greetingLine);
        if (Pop3Response.isContinuation(greetingLine)) {
            close();
            throw new Pop3ProtocolException("greeting is a SASL continuation, not +OK");
        }
        if (!greeting.ok()) {
            close();
            throw new Pop3Exception("greeting", greeting);
        }
    }

    Pop3Response greeting() {
        return greeting;
    }

    /** The APOP timestamp (RFC 1939 §7) from the greeting, with its angle brackets. */
    Optional<String> apopTimestamp() {
        Matcher m = APOP_TIMESTAMP.matcher(greetingLine);
        return m.find() ? Optional.of(m.group()) : Optional.empty();
    }

    /** TLS active (implicit or after STLS). */
    boolean isSecure() {
        return secure;
    }

    /** CAPA; cached until STLS. A -ERR answer gives {@link Capabilities#none()}. */
    public Capabilities capabilities() throws IOException {
        if (capabilities == null) {
            try {
                capabilities = execute(Pop3Command.multiLine("CAPA", body -> {
                    BoundedBuffer lines = new BoundedBuffer(MAX_CAPA_OCTETS);
                    body.copyTo(lines);
                    return Capabilities.parse(lines.text().lines().toList());
                }));
            } catch (Pop3Exception e) {
                capabilities = Capabilities.none();
            }
        }
        return capabilities;
    }

    /**
     * From now on a flush sends every queued command in one write, if the server announced PIPELINING
     * (RFC 2449 §6.6); otherwise nothing changes.
     *
     * @return whether commands are pipelined now
     */
    public boolean usePipelining() throws IOException {
        pipelining = capabilities().has("PIPELINING");
        return pipelining;
    }

    /**
     * STLS, then a TLS handshake with host name verification on the same socket. Cached capabilities are
     * forgotten (RFC 2595: they must be read again). Throws Pop3Exception if STLS is refused.
     */
    public void startTls() throws IOException {
        if (secure) {
            throw new IllegalStateException("TLS is already active");
        }
        ensureIdle("STLS");
        Pop3Response r = execute(Pop3Command.singleLine("STLS"));
        if (!r.ok()) {
            throw new Pop3Exception("STLS", r);
        }
        if (in.buffered() > 0) {
            // anything sent before the handshake could be injected by a man in the middle (CVE-2011-0411 class)
            close();
            throw new Pop3ProtocolException("server sent data after the STLS answer, before the TLS handshake");
        }
        try {
            attach(Pop3Tls.layer(socket, options, options.host()), true);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        capabilities = null;
    }

    /**
     * Log in. USER (USER+PASS), APOP, PLAIN, LOGIN; XOAUTH2 takes the password as the access token and uses the
     * one-line form (see {@link #authenticateXoauth2}). AUTO must be resolved by the caller.
     * Failure: Pop3Exception naming the command only ("PASS", "AUTH PLAIN", ...).
     */
    public void authenticate(AuthMechanism mechanism, String user, String password) throws IOException {
        Objects.requireNonNull(mechanism, "mechanism");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password"); // never send "PASS null"
        ensureIdle("a login");
        Pop3Auth auth = new Pop3Auth(this);
        switch (mechanism) {
            case USER -> auth.userPass(user, password);
            case APOP -> auth.apop(user, password, apopTimestamp()
                    .orElseThrow(() -> new IOException("server greeting has no APOP timestamp")));
            case PLAIN -> auth.plain(user, password);
            case LOGIN -> auth.login(user, password);
            case XOAUTH2 -> auth.xoauth2(user, password, true);
            case AUTO -> throw new IllegalArgumentException("AUTO must be resolved by the caller");
            default -> throw new IllegalArgumentException("unknown mechanism " + mechanism);
        }
    }

    /** XOAUTH2: oneLine=true sends the initial response with AUTH (Gmail); false waits for "+ " first (Microsoft 365). */
    public void authenticateXoauth2(String user, String accessToken, boolean oneLine) throws IOException {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(accessToken, "accessToken");
        ensureIdle("a login");
        new Pop3Auth(this).xoauth2(user, accessToken, oneLine);
    }

    // ---- the command queue ----

    /**
     * Queues a command behind those queued before; it goes out at the next {@link #flush()} (without PIPELINING,
     * once the answers before it are read).
     *
     * @throws IllegalStateException a QUIT while answers with a body are unread: they are data someone asked for
     */
    public <T> Pop3Command<T> queue(Pop3Command<T> command) throws IOException {
        ensureOpen();
        if (command.line().equalsIgnoreCase("QUIT") && awaitsBody()) {
            throw new IllegalStateException("QUIT while answers with a body are unread");
        }
        command.queued();
        unsent.add(command);
        return command;
    }

    /** Sends what may go now: every queued command with PIPELINING, else the first one if none is on the wire. */
    public void flush() throws IOException {
        ensureOpen();
        while (!unsent.isEmpty() && (pipelining || unanswered.isEmpty())) {
            Pop3Command<?> command = unsent.poll();
            writeLine(command.line());
            unanswered.add(command);
        }
        try {
            out.flush();
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    /**
     * The result of a queued command. Reads the answers in order up to this one (sending what has to go first),
     * handing each to its own command.
     *
     * @throws Pop3Exception the server refused the command ({@code -ERR}); the connection is still in step
     */
    public <T> T answer(Pop3Command<T> command) throws IOException {
        if (!command.isAnswered() && !unsent.contains(command) && !unanswered.contains(command)) {
            throw new IllegalStateException(command.line() + " is not queued on this client");
        }
        while (!command.isAnswered()) {
            readNextAnswer();
        }
        return command.result();
    }

    /**
     * Reads the answers in order up to, not including, the given command (none once it is answered: so were all
     * before it); all of them when it is null.
     */
    public void readAnswersBefore(Pop3Command<?> command) throws IOException {
        for (Pop3Command<?> next = next();
             next != null && next != command
                                           && (command == null || !command.isAnswered());
             next = next()) {
            readNextAnswer();
        }
    }

    /** Queues, sends and answers one command. */
    public <T> T execute(Pop3Command<T> command) throws IOException {
        queue(command);
        flush();
        return answer(command);
    }

    /**
     * QUIT (which makes DELE final) behind the commands queued before, then close. Returns the answer even if
     * -ERR: the caller decides.
     *
     * @throws IllegalStateException answers with a body are unread; nothing is sent then
     */
    public Pop3Response quit() throws IOException {
        Pop3Command<Pop3Response> quit = queue(Pop3Command.singleLine("QUIT"));
        try {
            flush();
            return answer(quit);
        } finally {
            close();
        }
    }

    private void readNextAnswer() throws IOException {
        if (unanswered.isEmpty()) {
            flush();
        }
        Pop3Command<?> command = unanswered.poll();
        try {
            Pop3Response status = readStatus(command.line());
            AnswerBody body = new AnswerBody();
            command.answered(status, body);
            if (command.hasBody() && status.ok() && !body.read) {
                readMultiline(OutputStream.nullOutputStream()); // the handler did not want it; stay in step
            }
        } catch (IOException | RuntimeException e) {
            // the line, or a handler on a whole answer (a malformed listing, a full disk): the stream is out of step
            close();
            throw e;
        }
    }

    /** The command whose answer comes next, sent or not; null when none is outstanding. */
    private Pop3Command<?> next() {
        return unanswered.isEmpty() ? unsent.peek() : unanswered.peek();
    }

    private boolean awaitsBody() {
        return unsent.stream().anyMatch(Pop3Command::hasBody) || unanswered.stream().anyMatch(Pop3Command::hasBody);
    }

    private void ensureIdle(String what) {
        if (!unsent.isEmpty() || !unanswered.isEmpty()) {
            throw new IllegalStateException(what + " while commands are queued");
        }
    }

    // ---- the wire, for the queue and for the login exchanges ----

    /** Appends line + CRLF to the buffered output; no flush. */
    void writeLine(String line) throws IOException {
        ensureOpen();
        Pop3Command.checkLine(line);
        try {
            out.write(line.getBytes(StandardCharsets.UTF_8));
            out.write(CRLF);
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    /** Reads one status line; does not throw on -ERR. */
    Pop3Response readStatus(String commandForErrors) throws IOException {
        return parse(readLine(commandForErrors));
    }

    /** A multi-line body into sink, dot-unstuffed; the terminating line is not written. Returns the octets written. */
    private long readMultiline(OutputStream sink) throws IOException {
        ensureOpen();
        try {
            return in.readMultiline(sink, lastCommand);
        } catch (IOException | RuntimeException e) {
            // whatever failed (server, network or sink), the stream is now in the middle of an answer
            close();
            throw e;
        }
    }

    /** Raw status line, for SASL where "+ " continuations must be told apart from +OK. */
    String readLine(String commandForErrors) throws IOException {
        ensureOpen();
        lastCommand = commandForErrors;
        try {
            return in.readLine(commandForErrors);
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    Pop3Response parse(String line) throws Pop3ProtocolException {
        try {
            return Pop3Response.parse(line);
        } catch (Pop3ProtocolException e) {
            close();
            throw e;
        }
    }

    public boolean isOpen() {
        return !closed && !socket.isClosed();
    }

    /** Closes the socket without QUIT: to the server a dropped connection, so nothing is deleted. Never throws. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            closeQuietly(socket);
        }
    }

    @Override
    public String toString() {
        return "Pop3Client[" + endpoint + "]";
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("POP3 connection to " + endpoint + " is closed");
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException | RuntimeException ignored) {
            // closing is best effort: the session is over either way
        }
    }

    /** The body of the answer being read, read once. */
    private final class AnswerBody implements Pop3Command.Body {
        private boolean read;

        @Override
        public long copyTo(OutputStream sink) throws IOException {
            if (read) {
                throw new IllegalStateException("an answer's body is read once");
            }
            read = true;
            return readMultiline(sink);
        }
    }

    /** A sink that refuses to grow beyond a bound. */
    private static final class BoundedBuffer extends OutputStream {
        private final ByteArrayOutputStream data = new ByteArrayOutputStream();
        private final int max;

        BoundedBuffer(int max) {
            this.max = max;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] { (byte) b }, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (data.size() + len > max) {
                throw new Pop3ProtocolException("answer longer than " + max + " octets");
            }
            data.write(b, off, len);
        }

        String text() {
            return data.toString(StandardCharsets.UTF_8);
        }
    }
}

package dev.pop3x.protocol;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A POP3 session (RFC 1939, 2449, 2595, 5034) over one socket. Not thread-safe: one poll, one thread.
 * <p>
 * Nothing here logs: command lines may carry credentials. Any I/O or protocol error other than a plain
 * {@code -ERR} closes the socket, because the stream position is then unknown, and a dropped connection
 * is the safe outcome in POP3 (the server deletes nothing).
 */
public final class Pop3Client implements Closeable {

    private static final byte[] CRLF = {'\r', '\n'};
    private static final Pattern APOP_TIMESTAMP = Pattern.compile("<[^<>\\s]+@[^<>\\s]+>");
    // CAPA answers are a few hundred octets; the bound stops a broken server from filling the heap
    private static final int MAX_CAPA_OCTETS = 64 * 1024;

    private final Pop3ClientOptions options;
    private final String endpoint;
    private Socket socket;
    private Pop3Input in;
    private OutputStream out;
    private boolean secure;
    private boolean closed;
    private Pop3Response greeting;
    private String greetingLine;
    private Capabilities capabilities;
    private String lastCommand = "the greeting";

    private Pop3Client(Socket socket, Pop3ClientOptions options, boolean secure) throws IOException {
        this.options = options;
        this.endpoint = (options.host() != null ? options.host() : socket.getInetAddress().getHostAddress())
                + ":" + (options.host() != null ? options.port() : socket.getPort());
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

    /** Same as {@link #connect}, over a socket the caller already connected (scripted peers in tests; no TLS). */
    public static Pop3Client over(Socket socket, Pop3ClientOptions options) throws IOException {
        try {
            socket.setSoTimeout(Pop3ClientOptions.millis(options.readTimeout()));
            Pop3Client client = new Pop3Client(socket, options, false);
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

    public Pop3Response greeting() {
        return greeting;
    }

    /** The APOP timestamp (RFC 1939 §7) from the greeting, with its angle brackets. */
    public Optional<String> apopTimestamp() {
        Matcher m = APOP_TIMESTAMP.matcher(greetingLine);
        return m.find() ? Optional.of(m.group()) : Optional.empty();
    }

    /** TLS active (implicit or after STLS). */
    public boolean isSecure() {
        return secure;
    }

    /** CAPA; cached until STLS. A -ERR answer gives {@link Capabilities#none()}. */
    public Capabilities capabilities() throws IOException {
        if (capabilities == null) {
            Pop3Response r = command("CAPA");
            if (!r.ok()) {
                capabilities = Capabilities.none();
            } else {
                BoundedBuffer body = new BoundedBuffer(MAX_CAPA_OCTETS);
                readMultiline(body);
                capabilities = Capabilities.parse(body.text().lines().toList());
            }
        }
        return capabilities;
    }

    /**
     * STLS, then a TLS handshake with host name verification on the same socket. Cached capabilities are
     * forgotten (RFC 2595: they must be read again). Throws Pop3Exception if STLS is refused.
     */
    public void startTls() throws IOException {
        if (secure) {
            throw new IllegalStateException("TLS is already active");
        }
        expectOk("STLS");
        if (in.buffered() > 0) {
            // anything sent before the handshake could be injected by a man in the middle (CVE-2011-0411 class)
            close();
            throw new Pop3ProtocolException("server sent data after the STLS answer, before the TLS handshake");
        }
        try {
            attach(Pop3Tls.layer(socket, options, endpointHost()), true);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        capabilities = null;
    }

    private String endpointHost() {
        return options.host() != null ? options.host() : socket.getInetAddress().getHostAddress();
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
        new Pop3Auth(this).xoauth2(user, accessToken, oneLine);
    }

    // ---- low level: send several commands, flush once, read the answers in order (pipelining) ----

    /** Appends command + CRLF to the buffered output; no flush. */
    public void send(String command) throws IOException {
        ensureOpen();
        if (command.indexOf('\r') >= 0 || command.indexOf('\n') >= 0) {
            // the command is not echoed: it may carry a secret
            throw new IllegalArgumentException("a POP3 command must not contain CR or LF");
        }
        try {
            out.write(command.getBytes(StandardCharsets.UTF_8));
            out.write(CRLF);
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    public void flush() throws IOException {
        ensureOpen();
        try {
            out.flush();
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    /** Reads one status line; does not throw on -ERR. */
    public Pop3Response readStatus(String commandForErrors) throws IOException {
        return parse(readLine(commandForErrors));
    }

    /**
     * Reads a multi-line body up to CRLF.CRLF into sink, dot-unstuffed; the terminating line is not written;
     * line ends are written as received. Returns the octets written. Memory use is bounded whatever the line length.
     */
    public long readMultiline(OutputStream sink) throws IOException {
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

    // ---- one at a time conveniences; -ERR throws Pop3Exception ----

    public MaildropStat stat() throws IOException {
        Pop3Response r = expectOk("STAT");
        String[] f = r.text().split("[ \t]+");
        try {
            return new MaildropStat(Integer.parseInt(f[0]), Long.parseLong(f[1]));
        } catch (RuntimeException e) {
            close();
            throw new Pop3ProtocolException("malformed STAT answer: \"" + Pop3Response.printable(r.text()) + "\"");
        }
    }

    /** UIDL; Pop3Exception on -ERR (the caller may fall back). Fields are split on runs of spaces/tabs. */
    public List<UidlEntry> uidl() throws IOException {
        sendAndFlush("UIDL");
        return readUidlAnswer();
    }

    public List<ListEntry> list() throws IOException {
        sendAndFlush("LIST");
        return readListAnswer();
    }

    /** RETR n into sink; returns the octets written. */
    public long retrieve(int messageNumber, OutputStream sink) throws IOException {
        sendAndFlush("RETR " + messageNumber);
        return readMessageAnswer("RETR " + messageNumber, sink);
    }

    /** TOP n l into sink (the header, a blank line, then l body lines). */
    public long top(int messageNumber, int lines, OutputStream sink) throws IOException {
        sendAndFlush("TOP " + messageNumber + " " + lines);
        return readMessageAnswer("TOP " + messageNumber + " " + lines, sink);
    }

    public void delete(int messageNumber) throws IOException {
        expectOk("DELE " + messageNumber);
    }

    // ---- answers to commands sent earlier with send(): with PIPELINING several are outstanding, read in order ----

    /** The answer to a UIDL sent earlier; Pop3Exception on -ERR, after which the connection is still in step. */
    public List<UidlEntry> readUidlAnswer() throws IOException {
        List<UidlEntry> result = new ArrayList<>();
        for (String[] f : readListing("UIDL")) {
            result.add(new UidlEntry(number(f[0], "UIDL"), f[1]));
        }
        return result;
    }

    /** The answer to a LIST sent earlier. */
    public List<ListEntry> readListAnswer() throws IOException {
        List<ListEntry> result = new ArrayList<>();
        for (String[] f : readListing("LIST")) {
            try {
                result.add(new ListEntry(number(f[0], "LIST"), Long.parseLong(f[1])));
            } catch (NumberFormatException e) {
                close();
                throw new Pop3ProtocolException("malformed LIST line: \"" + Pop3Response.printable(String.join(" ", f)) + "\"");
            }
        }
        return result;
    }

    /** The answer to a RETR or TOP sent earlier, streamed into sink; Pop3Exception on -ERR (still in step). */
    public long readMessageAnswer(String command, OutputStream sink) throws IOException {
        Pop3Response r = readStatus(command);
        if (!r.ok()) {
            throw new Pop3Exception(command, r);
        }
        return readMultiline(sink);
    }

    /** The answer to a single-line command sent earlier (DELE, NOOP, ...); not thrown on -ERR. */
    public Pop3Response readAnswer(String command) throws IOException {
        return readStatus(command);
    }

    private void sendAndFlush(String command) throws IOException {
        send(command);
        flush();
    }

    private List<String[]> readListing(String command) throws IOException {
        Pop3Response r = readStatus(command);
        if (!r.ok()) {
            throw new Pop3Exception(command, r);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        readMultiline(body);
        String text = body.toString(StandardCharsets.UTF_8);
        List<String[]> rows = new ArrayList<>();
        // by hand rather than with split(regex): thousands of lines per poll, and this runs while the JVM is still cold
        for (int start = 0, end; start < text.length(); start = end + 1) {
            end = text.indexOf('\n', start);
            if (end < 0) {
                end = text.length();
            }
            String s = text.substring(start, end).strip();
            if (s.isEmpty()) {
                continue;
            }
            String[] f = twoFields(s);
            if (f == null) {
                close();
                throw new Pop3ProtocolException("malformed " + command + " line: \"" + Pop3Response.printable(s) + "\"");
            }
            rows.add(f);
        }
        return rows;
    }

    /** "n value": the first two fields of a stripped listing line, split at runs of spaces or tabs; null if fewer. */
    private static String[] twoFields(String s) {
        int gap = 0;
        while (gap < s.length() && !isBlank(s.charAt(gap))) {
            gap++;
        }
        int second = gap;
        while (second < s.length() && isBlank(s.charAt(second))) {
            second++;
        }
        if (second == s.length()) {
            return null;
        }
        int secondEnd = second;
        while (secondEnd < s.length() && !isBlank(s.charAt(secondEnd))) {
            secondEnd++;
        }
        return new String[] { s.substring(0, gap), s.substring(second, secondEnd) };
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    private int number(String s, String command) throws Pop3ProtocolException {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            close();
            throw new Pop3ProtocolException("malformed message number in " + command + ": \"" + Pop3Response.printable(s) + "\"");
        }
    }

    public void noop() throws IOException {
        expectOk("NOOP");
    }

    public void reset() throws IOException {
        expectOk("RSET");
    }

    /** QUIT (which makes DELE final), then close. Returns the answer even if -ERR: the caller decides. */
    public Pop3Response quit() throws IOException {
        try {
            return command("QUIT");
        } finally {
            close();
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

    /** Sends a command that is safe to name in errors, and reads its status line. */
    private Pop3Response command(String command) throws IOException {
        send(command);
        flush();
        return readStatus(command);
    }

    private Pop3Response expectOk(String command) throws IOException {
        Pop3Response r = command(command);
        if (!r.ok()) {
            throw new Pop3Exception(command, r);
        }
        return r;
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

    /** A sink that refuses to grow beyond a bound. */
    private static final class BoundedBuffer extends OutputStream {
        private final ByteArrayOutputStream data = new ByteArrayOutputStream();
        private final int max;

        BoundedBuffer(int max) {
            this.max = max;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
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

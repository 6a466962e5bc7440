package dev.pop3x.testsupport;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small, scriptable POP3 server for tests that need server quirks and faults on demand: a real TCP server on
 * 127.0.0.1 (a free port), a thread per connection, one in-memory mailbox shared by all sessions.
 *
 * <p>By default it follows RFC 1939: AUTHORIZATION (USER/PASS, AUTH PLAIN, CAPA) → TRANSACTION (STAT, LIST, UIDL,
 * RETR, TOP, DELE, NOOP, RSET) → UPDATE at QUIT. DELE only marks; marked mails are removed from the mailbox when QUIT
 * is answered {@code +OK}, never on a dropped connection. Each session numbers the mails of its own snapshot taken at
 * login, so mails added later are not seen until the next session. There is no mailbox lock (like Dovecot's default);
 * use {@link #failLoginWith} for {@code [IN-USE]}. Credentials: {@value #USER} / {@value #PASSWORD}.
 *
 * <p>Every knob can be changed while the server runs and applies from the next command on. The one-shot faults
 * ({@link #dropAt}, {@link #dropMidRetr}, {@link #stallAt}) fire once and are then forgotten.
 */
public final class FaultyPop3Server implements AutoCloseable {

    public static final String USER = "alice";
    public static final String PASSWORD = "secret";
    public static final String HOST = "127.0.0.1";
    /** The answer to a wrong user name or password (Dovecot's wording). */
    public static final String AUTH_FAILED = "-ERR [AUTH] Authentication failed.";
    public static final List<String> DEFAULT_CAPABILITIES = List.of("TOP", "UIDL", "RESP-CODES", "PIPELINING", "USER",
            "SASL PLAIN");
    /** The default QUIT answer in TRANSACTION state. */
    public static final String QUIT_OK = "+OK Logging out.";

    /** Command lines longer than this are a client bug; RFC 2449 allows 255 octets. */
    private static final int MAX_LINE = 8192;
    private static final byte[] CRLF = { '\r', '\n' };

    /** One stored mail. Identity matters (not value equality): two mails may share a uid and bytes. */
    private static final class Mail {
        final String uid;
        final byte[] content;

        Mail(String uid, byte[] content) {
            this.uid = uid;
            this.content = content;
        }
    }

    /** The n-th line starting with a command: drop the connection, or stall first (stall == null: drop). */
    private record Trigger(String verb, AtomicInteger left, Duration stall) {
    }

    private record QuitBehaviour(String answer, boolean deleteAnyway) {
    }

    // ---- mailbox, guarded by itself ----
    private final List<Mail> mailbox = new ArrayList<>();
    private int generatedUids;

    // ---- configuration; volatile because sessions read it on their own threads ----
    private volatile boolean capaEnabled = true;
    private volatile boolean uidlEnabled = true;
    private volatile boolean topEnabled = true;
    private volatile List<String> capabilities = DEFAULT_CAPABILITIES;
    private volatile Integer loginDelaySeconds;
    private volatile String uidlSeparator = " ";
    private volatile int listSizeDelta;
    private volatile QuitBehaviour quit = new QuitBehaviour(QUIT_OK, false);
    private volatile boolean bareLf;
    private volatile Duration idleTimeout = Duration.ZERO;
    private volatile String idleFarewell;

    // login failure injection, guarded by this: line to answer, and how many more times (-1 = until cleared)
    private String loginFailure;
    private int loginFailuresLeft;

    private final List<Trigger> triggers = new CopyOnWriteArrayList<>();
    private final AtomicInteger dropMidRetrAfter = new AtomicInteger(-1);
    private volatile String unavailableUid;
    private volatile String unlistedUid;
    private final AtomicInteger unavailableRetrs = new AtomicInteger();

    // ---- observation ----
    private final List<String> commands = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger sessions = new AtomicInteger();
    private final AtomicInteger logins = new AtomicInteger();

    // ---- network ----
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final CountDownLatch closed = new CountDownLatch(1);
    private ServerSocket listener; // guarded by this; null while refusing connections
    private Thread acceptor; // guarded by this
    private int port;

    private FaultyPop3Server() {
    }

    /** Starts listening on 127.0.0.1 on a free port, with an empty mailbox. */
    public static FaultyPop3Server start() {
        FaultyPop3Server server = new FaultyPop3Server();
        server.listen();
        return server;
    }

    public String host() {
        return HOST;
    }

    /** The listening port; stays the same across {@link #refuseConnections}. */
    public synchronized int port() {
        return port;
    }

    // ======================================== mailbox ========================================

    /**
     * Adds a mail at the end of the mailbox. Line ends are normalised to CRLF (a lone LF becomes CRLF, so Java text
     * blocks work); the size in LIST is the octet count of that, UTF-8 encoded. Adding the same uid twice gives two
     * mails with one UIDL, as on hash-based servers.
     */
    public FaultyPop3Server add(String uid, String rfc822) {
        return add(uid, rfc822.replaceAll("(?<!\r)\n", "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Adds a mail whose octets are stored exactly as given (8-bit headers, NULs, odd line ends). */
    public FaultyPop3Server add(String uid, byte[] rfc822) {
        synchronized (mailbox) {
            mailbox.add(new Mail(uid, rfc822.clone()));
        }
        return this;
    }

    /** Adds a mail with a generated uid: "uid-1", "uid-2", ... in the order of the calls. */
    public FaultyPop3Server add(String rfc822) {
        String uid;
        synchronized (mailbox) {
            uid = "uid-" + ++generatedUids;
        }
        return add(uid, rfc822);
    }

    /** The uids of the mails now in the mailbox, in order (duplicates included). */
    public List<String> uids() {
        synchronized (mailbox) {
            return mailbox.stream().map(m -> m.uid).toList();
        }
    }

    /** How many mails the mailbox holds now. */
    public int count() {
        synchronized (mailbox) {
            return mailbox.size();
        }
    }

    /** The first mail with this uid as stored (CRLF line ends), decoded as UTF-8; null if there is none. */
    public String contents(String uid) {
        synchronized (mailbox) {
            return mailbox.stream().filter(m -> m.uid.equals(uid)).findFirst()
                    .map(m -> new String(m.content, StandardCharsets.UTF_8)).orElse(null);
        }
    }

    // ======================================== capabilities ========================================

    /** CAPA answers -ERR (a pre-RFC 2449 server). */
    public FaultyPop3Server withoutCapa() {
        capaEnabled = false;
        return this;
    }

    /** UIDL answers -ERR and CAPA does not list it. */
    public FaultyPop3Server withoutUidl() {
        uidlEnabled = false;
        return this;
    }

    /** TOP answers -ERR and CAPA does not list it. */
    public FaultyPop3Server withoutTop() {
        topEnabled = false;
        return this;
    }

    /**
     * The CAPA lines, exactly (e.g. "SASL PLAIN LOGIN", "EXPIRE 30"). Only changes what CAPA says: commands keep
     * working (UIDL/TOP are switched off with {@link #withoutUidl}/{@link #withoutTop}; AUTH PLAIN always works).
     */
    public FaultyPop3Server capabilities(String... lines) {
        capabilities = List.of(lines);
        return this;
    }

    /** Adds "LOGIN-DELAY seconds" to CAPA (RFC 2449: the minimum time between logins). */
    public FaultyPop3Server loginDelay(int seconds) {
        loginDelaySeconds = seconds;
        return this;
    }

    // ======================================== login answers ========================================

    /**
     * Every login with the right credentials is answered with this line (e.g. "-ERR [IN-USE] Mailbox locked",
     * "-ERR [LOGIN-DELAY] ...", "-ERR [SYS/TEMP] ...", "-ERR [SYS/PERM] ...") until {@link #clearLoginFailure()}.
     * A wrong password still gets {@link #AUTH_FAILED}: a server checks credentials before the mailbox.
     */
    public synchronized FaultyPop3Server failLoginWith(String errLine) {
        loginFailure = errLine;
        loginFailuresLeft = -1;
        return this;
    }

    /** As {@link #failLoginWith}, for the next n logins with the right credentials only. */
    public synchronized FaultyPop3Server failNextLogins(int n, String errLine) {
        loginFailure = n > 0 ? errLine : null;
        loginFailuresLeft = n;
        return this;
    }

    public synchronized FaultyPop3Server clearLoginFailure() {
        loginFailure = null;
        return this;
    }

    // ======================================== answer shaping ========================================

    /** What goes between the message number and the uid in UIDL lines (default one space), e.g. "   \t ". */
    public FaultyPop3Server uidlSeparator(String separator) {
        uidlSeparator = separator;
        return this;
    }

    /** LIST (and STAT, and RETR's "+OK n octets") report each size off by delta octets, never below 0. */
    public FaultyPop3Server listSizeDelta(int delta) {
        listSizeDelta = delta;
        return this;
    }

    /**
     * The answer to QUIT in TRANSACTION state, with RFC 1939 semantics: +OK removes the DELE-marked mails, an -ERR
     * removes none. {@code quitAnswer(QUIT_OK)} restores the default.
     */
    public FaultyPop3Server quitAnswer(String line) {
        quit = new QuitBehaviour(line, false);
        return this;
    }

    /** The answer to QUIT, given after the DELE-marked mails were removed anyway (e.g. "-ERR some deletes failed"). */
    public FaultyPop3Server quitAnswerAfterDeleting(String line) {
        quit = new QuitBehaviour(line, true);
        return this;
    }

    /** RETR and TOP bodies use bare LF line ends, the terminating "." line included (status lines keep CRLF). */
    public FaultyPop3Server bareLf(boolean on) {
        bareLf = on;
        return this;
    }

    // ======================================== faults ========================================

    /**
     * When the server receives the n-th line (counted from this call, across sessions) whose first word is this
     * command, it closes that connection without answering: a dropped connection, so nothing is deleted.
     * Several drops may be armed at once; each fires once.
     */
    public FaultyPop3Server dropAt(String command, int occurrence) {
        triggers.add(new Trigger(command.toUpperCase(Locale.ROOT), new AtomicInteger(occurrence), null));
        return this;
    }

    /**
     * The next RETR answer is cut: the status line and the first afterBytes octets of the (dot-stuffed) body are
     * sent, then the connection closes. The terminating "." line is never sent, however large afterBytes is.
     */
    public FaultyPop3Server dropMidRetr(int afterBytes) {
        dropMidRetrAfter.set(afterBytes);
        return this;
    }

    /** The next line starting with this command is answered only after this long (for client read timeouts). */
    public FaultyPop3Server stallAt(String command, Duration stall) {
        triggers.add(new Trigger(command.toUpperCase(Locale.ROOT), new AtomicInteger(1), stall));
        return this;
    }

    /** A session that sends nothing for this long is closed silently, like a server's autologout. 0 = never. */
    public FaultyPop3Server idleTimeout(Duration timeout) {
        return idleTimeout(timeout, null);
    }

    /** As {@link #idleTimeout(Duration)}, sending this line first (e.g. "-ERR [SYS/TEMP] autologout"). */
    public FaultyPop3Server idleTimeout(Duration timeout, String farewell) {
        idleFarewell = farewell;
        idleTimeout = timeout;
        return this;
    }

    /**
     * true closes the listening socket, so new connections get "connection refused" (an RST from the kernel, no
     * accept-then-close ambiguity); sessions already open carry on. false listens again on the same port.
     */
    public synchronized FaultyPop3Server refuseConnections(boolean refuse) {
        if (refuse && listener != null) {
            stopListening();
        } else if (!refuse && listener == null && closed.getCount() > 0) {
            listen();
        }
        return this;
    }

    // ======================================== observation ========================================

    /**
     * RETR of the mail with this UIDL answers {@code -ERR} (as Dovecot does for a message another session expunged, or
     * whose file cannot be read); the session stays usable.
     */
    public FaultyPop3Server unavailable(String uid) {
        unavailableUid = uid;
        return this;
    }

    /**
     * LIST n of the mail with this UIDL answers {@code -ERR}, and a whole LIST leaves it out (as if another session
     * had just expunged it); UIDL and RETR still show it.
     */
    public FaultyPop3Server unlisted(String uid) {
        unlistedUid = uid;
        return this;
    }

    /** How many RETRs {@link #unavailable} refused. */
    public int unavailableRetrs() {
        return unavailableRetrs.get();
    }

    /** Every command line received, in order, across sessions; PASS, AUTH and APOP arguments are masked. */
    public List<String> commands() {
        synchronized (commands) {
            return List.copyOf(commands);
        }
    }

    /** How many command lines started with this command (case-insensitive), across sessions. */
    public int count(String command) {
        String verb = command.toUpperCase(Locale.ROOT);
        synchronized (commands) {
            return (int) commands.stream().filter(c -> verbOf(c).equals(verb)).count();
        }
    }

    /** Connections accepted so far. */
    public int sessions() {
        return sessions.get();
    }

    /** Sessions open now. */
    public int openSessions() {
        return open.size();
    }

    /** Successful logins so far (sessions that reached TRANSACTION state). */
    public int logins() {
        return logins.get();
    }

    /** Stops listening and closes every open session (no UPDATE for them). */
    @Override
    public void close() {
        closed.countDown(); // wakes stalled sessions
        synchronized (this) {
            if (listener != null) {
                stopListening();
            }
        }
        for (Socket s : open) {
            closeQuietly(s);
        }
    }

    @Override
    public String toString() {
        return "FaultyPop3Server[" + HOST + ":" + port() + "]";
    }

    // ======================================== internals ========================================

    private synchronized void listen() {
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true); // rebinding the same port after refuseConnections must not wait for TIME_WAIT
            s.bind(new InetSocketAddress(InetAddress.getByName(HOST), port), 50);
            port = s.getLocalPort();
            listener = s;
            acceptor = new Thread(() -> acceptLoop(s), "faulty-pop3-accept-" + port);
            acceptor.setDaemon(true);
            acceptor.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + HOST + ":" + port, e);
        }
    }

    /**
     * Closes the listening socket and waits for the acceptor thread to leave accept(): until then the kernel keeps
     * the socket alive (the blocked syscall holds a reference) and may still complete handshakes, which a test
     * expecting "connection refused" would see as a successful connect.
     */
    private void stopListening() {
        closeQuietly(listener);
        listener = null;
        try {
            acceptor.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptLoop(ServerSocket s) {
        while (!s.isClosed()) {
            Socket socket;
            try {
                socket = s.accept();
            } catch (IOException e) {
                return; // closed by refuseConnections or close()
            }
            int n = sessions.incrementAndGet();
            open.add(socket);
            Thread t = new Thread(new Session(socket), "faulty-pop3-session-" + n);
            t.setDaemon(true);
            t.start();
        }
    }

    /** The line to answer a login with the right credentials instead of +OK, or null. */
    private synchronized String takeLoginFailure() {
        String line = loginFailure;
        if (line != null && loginFailuresLeft > 0 && --loginFailuresLeft == 0) {
            loginFailure = null;
        }
        return line;
    }

    /** The triggers that fire on this line (every matching one counts the line); each fires once. */
    private List<Trigger> fire(String verb) {
        List<Trigger> fired = new ArrayList<>();
        for (Trigger t : triggers) {
            if (t.verb().equals(verb) && t.left().decrementAndGet() == 0) {
                triggers.remove(t);
                fired.add(t);
            }
        }
        return fired;
    }

    private long reportedSize(Mail m) {
        return Math.max(0, m.content.length + (long) listSizeDelta);
    }

    private static String verbOf(String line) {
        int sp = line.indexOf(' ');
        return (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
    }

    /** The line as recorded: secrets replaced by "***", the command and the SASL mechanism kept. */
    private static String masked(String line) {
        String[] f = line.split(" ", 3);
        return switch (verbOf(line)) {
            case "PASS" -> f[0] + " ***";
            case "AUTH" -> f.length > 2 ? f[0] + " " + f[1] + " ***" : line;
            case "APOP" -> f.length > 1 ? f[0] + " " + f[1] + " ***" : line;
            default -> line;
        };
    }

    /** The mail split after each LF; the last line may lack a line end. */
    private static List<byte[]> lines(byte[] content) {
        List<byte[]> result = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < content.length; i++) {
            if (content[i] == '\n') {
                result.add(Arrays.copyOfRange(content, start, i + 1));
                start = i + 1;
            }
        }
        if (start < content.length) {
            result.add(Arrays.copyOfRange(content, start, content.length));
        }
        return result;
    }

    private static boolean isBlank(byte[] line) {
        return line.length == 1 && line[0] == '\n' || line.length == 2 && line[0] == '\r' && line[1] == '\n';
    }

    /** A multi-line body: dot-stuffed, each line ended (a missing final line end is added), then ".". */
    private static byte[] multiline(List<byte[]> lines, boolean bareLf) {
        byte[] eol = bareLf ? new byte[] { '\n' } : CRLF;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] line : lines) {
            if (line.length > 0 && line[0] == '.') {
                out.write('.'); // RFC 1939 §3: a line starting with "." gets one more
            }
            boolean ended = line[line.length - 1] == '\n';
            if (bareLf) {
                int end = line.length;
                if (ended) {
                    end -= end > 1 && line[end - 2] == '\r' ? 2 : 1;
                }
                out.write(line, 0, end);
                out.writeBytes(eol);
            } else {
                out.writeBytes(line); // line ends as stored
                if (!ended) {
                    out.writeBytes(CRLF); // the last line had none: "." must start a line of its own
                }
            }
        }
        out.write('.');
        out.writeBytes(eol);
        return out.toByteArray();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // best effort: the connection is over either way
        }
    }

    /** One connection: AUTHORIZATION until a login succeeds, then TRANSACTION on a snapshot of the mailbox. */
    private final class Session implements Runnable {
        private final Socket socket;
        private InputStream in;
        private OutputStream out;
        private String user;
        private List<Mail> snapshot; // null in AUTHORIZATION state
        private boolean[] deleted;

        Session(Socket socket) {
            this.socket = socket;
        }

        @Override
        public void run() {
            try {
                in = new BufferedInputStream(socket.getInputStream());
                out = new BufferedOutputStream(socket.getOutputStream());
                reply("+OK FaultyPop3Server ready.");
                for (String line = readLine(); line != null && handle(line); line = readLine()) {
                    // handle() answers; false ends the session
                }
            } catch (SocketTimeoutException e) {
                idleLogout();
            } catch (IOException e) {
                // the client went away or we dropped it: no UPDATE, nothing is deleted
            } finally {
                open.remove(socket);
                closeQuietly(socket);
            }
        }

        /** Answers one command line; false when the session is over. */
        private boolean handle(String line) throws IOException {
            String verb = verbOf(line);
            String arg = line.indexOf(' ') < 0 ? "" : line.substring(line.indexOf(' ') + 1);
            commands.add(masked(line));
            for (Trigger t : fire(verb)) {
                if (t.stall() == null) {
                    drop(); // before answering: to the client the command vanished with the link
                    return false;
                }
                try {
                    closed.await(t.stall().toMillis(), TimeUnit.MILLISECONDS); // wakes early on close()
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            if (snapshot == null) {
                return authorization(verb, arg);
            }
            switch (verb) {
                case "CAPA" -> capa();
                case "STAT" -> stat();
                case "LIST" -> list(arg);
                case "UIDL" -> uidl(arg);
                case "RETR" -> {
                    return retr(arg);
                }
                case "TOP" -> top(arg);
                case "DELE" -> dele(arg);
                case "NOOP" -> reply("+OK");
                case "RSET" -> {
                    Arrays.fill(deleted, false);
                    reply("+OK");
                }
                case "QUIT" -> {
                    update();
                    return false;
                }
                case "USER", "PASS", "AUTH", "APOP" -> reply("-ERR Already logged in.");
                default -> reply("-ERR Unknown command.");
            }
            return true;
        }

        private boolean authorization(String verb, String arg) throws IOException {
            switch (verb) {
                case "CAPA" -> capa();
                case "USER" -> {
                    user = arg;
                    reply("+OK");
                }
                case "PASS" -> {
                    if (user == null) {
                        reply("-ERR No username given.");
                    } else {
                        login(user, arg);
                    }
                }
                case "AUTH" -> {
                    return authPlain(arg);
                }
                case "QUIT" -> {
                    reply("+OK Logging out."); // no UPDATE state before a login
                    return false;
                }
                case "STAT", "LIST", "UIDL", "RETR", "TOP", "DELE", "NOOP", "RSET" -> reply("-ERR Not logged in.");
                default -> reply("-ERR Unknown command.");
            }
            return true;
        }

        /** AUTH PLAIN with an initial response, or with the response after a "+ " challenge (RFC 5034). */
        private boolean authPlain(String arg) throws IOException {
            String[] f = arg.split(" ", 2);
            if (!f[0].equalsIgnoreCase("PLAIN")) {
                reply("-ERR Unsupported authentication mechanism.");
                return true;
            }
            String response = f.length > 1 ? f[1] : null;
            if (response == null) {
                reply("+ ");
                response = readLine(); // a SASL response, not a command: not recorded
                if (response == null) {
                    return false;
                }
            }
            if (response.equals("*")) {
                reply("-ERR Authentication aborted.");
                return true;
            }
            String[] parts;
            try {
                String decoded = new String(Base64.getDecoder().decode(response), StandardCharsets.UTF_8);
                parts = decoded.split("\0", -1); // authzid NUL authcid NUL password
            } catch (IllegalArgumentException e) {
                parts = new String[0];
            }
            if (parts.length != 3) {
                reply(AUTH_FAILED);
            } else {
                login(parts[1], parts[2]);
            }
            return true;
        }

        private void login(String name, String password) throws IOException {
            user = null;
            if (!USER.equals(name) || !PASSWORD.equals(password)) {
                reply(AUTH_FAILED);
                return;
            }
            String failure = takeLoginFailure();
            if (failure != null) {
                reply(failure);
                return;
            }
            synchronized (mailbox) {
                snapshot = List.copyOf(mailbox);
            }
            deleted = new boolean[snapshot.size()];
            logins.incrementAndGet();
            reply("+OK Logged in.");
        }

        private void capa() throws IOException {
            if (!capaEnabled) {
                reply("-ERR Unknown command.");
                return;
            }
            StringBuilder sb = new StringBuilder("+OK Capability list follows\r\n");
            for (String c : capabilities) {
                String name = verbOf(c);
                if (name.equals("UIDL") && !uidlEnabled || name.equals("TOP") && !topEnabled) {
                    continue;
                }
                sb.append(c).append("\r\n");
            }
            if (loginDelaySeconds != null) {
                sb.append("LOGIN-DELAY ").append(loginDelaySeconds).append("\r\n");
            }
            send(sb.append(".\r\n").toString().getBytes(StandardCharsets.UTF_8));
        }

        private void stat() throws IOException {
            int n = 0;
            long size = 0;
            for (int i = 0; i < snapshot.size(); i++) {
                if (!deleted[i]) {
                    n++;
                    size += reportedSize(snapshot.get(i));
                }
            }
            reply("+OK " + n + " " + size);
        }

        private void list(String arg) throws IOException {
            if (!arg.isEmpty()) {
                int i = message(arg);
                if (i >= 0 && snapshot.get(i).uid.equals(unlistedUid)) {
                    reply("-ERR There's no message " + (i + 1) + ".");
                } else if (i >= 0) {
                    reply("+OK " + (i + 1) + " " + reportedSize(snapshot.get(i)));
                }
                return;
            }
            StringBuilder sb = new StringBuilder("+OK\r\n");
            for (int i = 0; i < snapshot.size(); i++) {
                if (!deleted[i] && !snapshot.get(i).uid.equals(unlistedUid)) {
                    sb.append(i + 1).append(' ').append(reportedSize(snapshot.get(i))).append("\r\n");
                }
            }
            send(sb.append(".\r\n").toString().getBytes(StandardCharsets.UTF_8));
        }

        private void uidl(String arg) throws IOException {
            if (!uidlEnabled) {
                reply("-ERR Unknown command.");
                return;
            }
            if (!arg.isEmpty()) {
                int i = message(arg);
                if (i >= 0) {
                    reply("+OK " + (i + 1) + uidlSeparator + snapshot.get(i).uid);
                }
                return;
            }
            StringBuilder sb = new StringBuilder("+OK\r\n");
            for (int i = 0; i < snapshot.size(); i++) {
                if (!deleted[i]) {
                    sb.append(i + 1).append(uidlSeparator).append(snapshot.get(i).uid).append("\r\n");
                }
            }
            send(sb.append(".\r\n").toString().getBytes(StandardCharsets.UTF_8));
        }

        /** False when the answer was cut on purpose (dropMidRetr). */
        private boolean retr(String arg) throws IOException {
            int i = message(arg);
            if (i < 0) {
                return true;
            }
            Mail mail = snapshot.get(i);
            if (mail.uid.equals(unavailableUid)) {
                unavailableRetrs.incrementAndGet();
                reply("-ERR [SYS/TEMP] Message is not available.");
                return true;
            }
            boolean lf = bareLf;
            byte[] body = multiline(lines(mail.content), lf);
            String status = "+OK " + reportedSize(mail) + " octets\r\n";
            int cut = dropMidRetrAfter.getAndSet(-1);
            if (cut >= 0) {
                out.write(status.getBytes(StandardCharsets.UTF_8));
                out.write(body, 0, Math.min(cut, body.length - (lf ? 2 : 3)));
                drop();
                return false;
            }
            send(status.getBytes(StandardCharsets.UTF_8), body);
            return true;
        }

        /** TOP n l: the header, the blank line, then l lines of the body. */
        private void top(String arg) throws IOException {
            if (!topEnabled) {
                reply("-ERR Unknown command.");
                return;
            }
            String[] f = arg.split(" ");
            int bodyLines;
            try {
                bodyLines = f.length == 2 ? Integer.parseInt(f[1]) : -1;
            } catch (NumberFormatException e) {
                bodyLines = -1;
            }
            if (bodyLines < 0) {
                reply("-ERR Invalid arguments.");
                return;
            }
            int i = message(f[0]);
            if (i < 0) {
                return;
            }
            List<byte[]> all = lines(snapshot.get(i).content);
            int headerEnd = 0;
            while (headerEnd < all.size() && !isBlank(all.get(headerEnd))) {
                headerEnd++;
            }
            int end = (int) Math.min(all.size(), headerEnd + 1L + bodyLines); // +1: the blank line itself
            send("+OK\r\n".getBytes(StandardCharsets.UTF_8), multiline(all.subList(0, end), bareLf));
        }

        private void dele(String arg) throws IOException {
            int i = message(arg);
            if (i >= 0) {
                deleted[i] = true; // only marked: removed at QUIT (UPDATE state)
                reply("+OK Marked to be deleted.");
            }
        }

        /** UPDATE state (RFC 1939 §6): the marked mails go only now, and only if the answer says so. */
        private void update() throws IOException {
            QuitBehaviour q = quit;
            if (q.deleteAnyway() || q.answer().startsWith("+OK")) {
                Set<Mail> gone = Collections.newSetFromMap(new IdentityHashMap<>());
                for (int i = 0; i < snapshot.size(); i++) {
                    if (deleted[i]) {
                        gone.add(snapshot.get(i));
                    }
                }
                synchronized (mailbox) {
                    mailbox.removeIf(gone::contains);
                }
            }
            reply(q.answer()); // after the removal, so a client that saw +OK finds the mailbox updated
        }

        /** The 0-based index of a live message, or -1 after answering -ERR. */
        private int message(String arg) throws IOException {
            int n;
            try {
                n = Integer.parseInt(arg.strip());
            } catch (NumberFormatException e) {
                reply("-ERR Invalid message number.");
                return -1;
            }
            if (n < 1 || n > snapshot.size()) {
                reply("-ERR No such message.");
                return -1;
            }
            if (deleted[n - 1]) {
                reply("-ERR Message " + n + " already deleted.");
                return -1;
            }
            return n - 1;
        }

        /**
         * Closes like a dropped link, but without losing what was already written: FIN after the data, then wait
         * (bounded) for the client to close, because closing with unread client input would send an RST that can
         * discard answers still in flight (pipelined clients).
         */
        private void drop() {
            try {
                out.flush();
                socket.shutdownOutput();
                socket.setSoTimeout(2000);
                byte[] discard = new byte[8192];
                while (in.read(discard) >= 0) {
                    // discard what the client still sends until it closes
                }
            } catch (IOException ignored) {
                // the close below is what matters
            }
            closeQuietly(socket);
        }

        private void idleLogout() {
            String farewell = idleFarewell;
            if (farewell != null) {
                try {
                    reply(farewell);
                } catch (IOException ignored) {
                    // the client is gone already
                }
            }
        }

        /** One line without its line end, or null at EOF. The idle timeout applies to each read. */
        private String readLine() throws IOException {
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, idleTimeout.toMillis()));
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    return line.size() > 0 ? line.toString(StandardCharsets.UTF_8) : null;
                }
                if (line.size() >= MAX_LINE) {
                    reply("-ERR Line too long.");
                    return null;
                }
                line.write(b);
            }
            String s = line.toString(StandardCharsets.UTF_8);
            return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
        }

        private void reply(String line) throws IOException {
            send((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        }

        private void send(byte[]... parts) throws IOException {
            for (byte[] p : parts) {
                out.write(p);
            }
            out.flush();
        }
    }
}

package dev.pop3x.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Tiny blocking POP3 client for tests (plain socket, USER/PASS), to check server state independently of the
 * production code. Not for message content: lines are decoded as ISO-8859-1 and not dot-unstuffed.
 */
public final class Pop3TestClient {

    private static final int TIMEOUT_MS = 30_000;

    private Pop3TestClient() {
    }

    /** Logs in, returns STAT's message count, QUITs (no deletions). */
    public static int countMessages(String host, int port, String user, String pass) {
        try (Session s = Session.login(host, port, user, pass)) {
            String stat = s.command("STAT");
            int n = Integer.parseInt(stat.split("\\s+")[1]);
            s.quit();
            return n;
        }
    }

    /** Logs in, returns the UIDL ids in message-number order, QUITs (no deletions). */
    public static List<String> uids(String host, int port, String user, String pass) {
        try (Session s = Session.login(host, port, user, pass)) {
            List<String> ids = new ArrayList<>();
            for (String line : s.multiline("UIDL")) {
                ids.add(line.trim().split("\\s+")[1]);
            }
            s.quit();
            return ids;
        }
    }

    /** One logged-in session; {@link #close()} drops the connection without QUIT (nothing is deleted). */
    public static final class Session implements AutoCloseable {
        private final Socket socket;
        private final BufferedReader in;
        private final OutputStream out;
        private final String greeting;

        private Session(String host, int port) throws IOException {
            socket = new Socket();
            try {
                socket.connect(new InetSocketAddress(host, port), TIMEOUT_MS);
                socket.setSoTimeout(TIMEOUT_MS);
                in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
                out = socket.getOutputStream();
                greeting = in.readLine();
            } catch (IOException e) {
                socket.close();
                throw e;
            }
        }

        /** Connects without logging in. */
        public static Session connect(String host, int port) {
            try {
                return new Session(host, port);
            } catch (IOException e) {
                throw new UncheckedIOException("connect " + host + ":" + port, e);
            }
        }

        public static Session login(String host, int port, String user, String pass) {
            Session s = connect(host, port);
            try {
                s.expectOk(s.greeting);
                s.command("USER " + user);
                s.command("PASS " + pass);
                return s;
            } catch (RuntimeException e) {
                s.close();
                throw e;
            }
        }

        public String greeting() {
            return greeting;
        }

        /** Sends a command, returns its status line; throws unless it starts with {@code +OK}. */
        public String command(String command) {
            return expectOk(send(command));
        }

        /** Sends a command, returns its status line as is. */
        public String send(String command) {
            try {
                out.write((command + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                String line = in.readLine();
                if (line == null) {
                    throw new IOException("connection closed after " + verb(command));
                }
                return line;
            } catch (IOException e) {
                throw new UncheckedIOException(verb(command), e);
            }
        }

        /** Sends a command with a multi-line answer; returns the lines between the status line and ".". */
        public List<String> multiline(String command) {
            command(command);
            List<String> lines = new ArrayList<>();
            try {
                for (String line = in.readLine(); !".".equals(line); line = in.readLine()) {
                    if (line == null) {
                        throw new IOException("connection closed in the answer to " + verb(command));
                    }
                    lines.add(line);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return lines;
        }

        /** Sends QUIT, returns its status line, closes. */
        public String quit() {
            try {
                return send("QUIT");
            } finally {
                close();
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // test helper
            }
        }

        private static String expectOk(String line) {
            if (line == null || !line.startsWith("+OK")) {
                throw new IllegalStateException("POP3 error: " + line);
            }
            return line;
        }

        private static String verb(String command) {
            int sp = command.indexOf(' ');
            return sp < 0 ? command : command.substring(0, sp); // never echo PASS arguments
        }
    }
}

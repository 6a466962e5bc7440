package dev.pop3x.testsupport;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

/**
 * A TCP proxy on loopback in front of a plain-text POP3 server that can cut the connection when the client sends a
 * chosen command: the command never reaches the server, and both sockets are closed, as on a dropped network link.
 * Also records every command line the clients sent, so tests can count round trips, the octets the server sent on
 * each connection, and how many sessions were open at once at most (one POP3 session at a time per mailbox). Each
 * session's commands are also kept with the time they arrived ({@link #sessions()}), so that tests with several
 * proxies in front of one server can tell which client sent what, and when.
 */
public final class CuttingProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final int targetPort;
    private final AtomicReference<String> cutAtCommand = new AtomicReference<>();
    private final AtomicInteger occurrencesLeft = new AtomicInteger();
    private final AtomicInteger cuts = new AtomicInteger();
    private volatile boolean holdAfterCut;
    private volatile boolean holding;
    private final List<String> commands = new CopyOnWriteArrayList<>();
    private final List<AtomicLong> serverOctets = new CopyOnWriteArrayList<>();
    private final List<Session> sessions = new CopyOnWriteArrayList<>();
    private volatile IntFunction<String> clientOfPort = port -> "";
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger concurrent = new AtomicInteger();
    private final AtomicInteger maxConcurrent = new AtomicInteger();
    private final Thread acceptor;

    public CuttingProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = new ServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        acceptor = new Thread(this::acceptLoop, "cutting-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Cut every connection at the first client line that starts with this command (e.g. "QUIT"); null = never. */
    public void cutAt(String command) {
        occurrencesLeft.set(1);
        holdAfterCut = false;
        cutAtCommand.set(command);
    }

    /**
     * Cut once, at the n-th time (counted from now) a client sends this command; after the cut refuse every new
     * connection until {@link #resume()}, so a test can look at the server in exactly the state the cut left.
     */
    public void cutOnceAt(String command, int occurrence) {
        occurrencesLeft.set(occurrence);
        holdAfterCut = true;
        cutAtCommand.set(command);
    }

    /** Accept connections again after {@link #cutOnceAt}. */
    public void resume() {
        holding = false;
    }

    /** How many connections were cut so far. */
    public int cuts() {
        return cuts.get();
    }

    /** Every command line clients sent (PASS arguments included: test credentials only). */
    public List<String> commands() {
        return commands;
    }

    /**
     * The octets the server sent on each connection so far, in the order the connections were accepted. Counted before
     * they are passed on: what a client has read is always in.
     */
    public List<Long> serverOctets() {
        return serverOctets.stream().map(AtomicLong::get).toList();
    }

    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** The most sessions that were open at the same time so far; a session ends with its QUIT or its connection. */
    public int maxConcurrentSessions() {
        return maxConcurrent.get();
    }

    /**
     * Names the client of each new session ({@link Session#client()}) from the port it connects from, e.g. by the
     * process that holds that socket ({@link LoopbackSockets}).
     */
    public void identifyClients(IntFunction<String> clientOfPort) {
        this.clientOfPort = clientOfPort;
    }

    /** Every session so far, in the order the connections were accepted. */
    public List<Session> sessions() {
        return sessions;
    }

    /** A client command line and {@link System#nanoTime()} when the proxy read it. */
    public record Command(long nanos, String line) {
    }

    /** One connection: its client, when it was accepted, its commands, when it ended (its QUIT or its close). */
    public static final class Session {

        private final long openedNanos = System.nanoTime();
        private final String client;
        private volatile long endedNanos;
        private final List<Command> commands = new CopyOnWriteArrayList<>();

        private Session(String client) {
            this.client = client;
        }

        /** What {@link #identifyClients} named the client; empty without it. */
        public String client() {
            return client;
        }

        public long openedNanos() {
            return openedNanos;
        }

        /** {@link System#nanoTime()} when the session ended; empty while it is open. */
        public OptionalLong endedNanos() {
            long ended = endedNanos;
            return ended == 0 ? OptionalLong.empty() : OptionalLong.of(ended);
        }

        public List<Command> commands() {
            return commands;
        }
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                if (holding) {
                    closeQuietly(client);
                    continue;
                }
                Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                open.add(client);
                open.add(server);
                connections.incrementAndGet();
                maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
                AtomicLong octets = new AtomicLong();
                serverOctets.add(octets);
                pump(server.getInputStream(), client.getOutputStream(), octets, client, server);
                Session session = new Session(clientOfPort.apply(client.getPort()));
                sessions.add(session);
                AtomicBoolean ended = new AtomicBoolean();
                Runnable sessionEnded = () -> {
                    if (ended.compareAndSet(false, true)) {
                        session.endedNanos = System.nanoTime();
                        concurrent.decrementAndGet();
                    }
                };
                Thread c2s = new Thread(() -> {
                    clientToServer(client, server, session, sessionEnded);
                    sessionEnded.run(); // both sockets are closed when it returns
                }, "proxy-c2s");
                c2s.setDaemon(true);
                c2s.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void pump(InputStream in, OutputStream out, AtomicLong octets, Socket a, Socket b) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[65536];
            try {
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                    octets.addAndGet(n);
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // the other side closed
            } finally {
                closeQuietly(a);
                closeQuietly(b);
            }
        }, "proxy-s2c");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Forwards line by line so a command can be recognised before it is forwarded. A QUIT ends the session as far as
     * counting goes: the client may connect again as soon as it is answered, before this connection is closed.
     */
    private void clientToServer(Socket client, Socket server, Session session, Runnable sessionEnded) {
        try (InputStream in = new BufferedInputStream(client.getInputStream());
             OutputStream out = server.getOutputStream()) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b >= 0; b = in.read()) {
                line.write(b);
                if (b != '\n') {
                    continue;
                }
                String text = line.toString(StandardCharsets.ISO_8859_1).trim();
                String cut = cutAtCommand.get();
                if (cut != null && text.regionMatches(true, 0, cut, 0, cut.length())
                    && occurrencesLeft.decrementAndGet() == 0) {
                    if (holdAfterCut) {
                        holding = true;
                        cutAtCommand.set(null);
                    } else {
                        occurrencesLeft.set(1);
                    }
                    cuts.incrementAndGet();
                    return; // finally closes both sockets: the command never reaches the server
                }
                commands.add(text);
                session.commands.add(new Command(System.nanoTime(), text));
                if (text.regionMatches(true, 0, "QUIT", 0, 4)) {
                    sessionEnded.run();
                }
                line.writeTo(out);
                out.flush();
                line.reset();
            }
        } catch (IOException ignored) {
            // closed
        } finally {
            closeQuietly(client);
            closeQuietly(server);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        open.forEach(CuttingProxy::closeQuietly);
    }
}

package dev.pop3x.protocol;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * An in-memory POP3 server for unit tests: one connection on 127.0.0.1, a script of "expect this line" and
 * "send these bytes" steps, a record of everything the client sent. A line the script does not expect fails the
 * test (at {@link #verify()}) and drops the connection, so the client sees EOF rather than hanging.
 */
public final class ScriptedPop3Peer implements AutoCloseable {

    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    private sealed interface Step permits Expect, Send, HangUp, AwaitClose, StartTls {
    }

    private record Expect(String line) implements Step {
    }

    private record Send(Writer writer) implements Step {
    }

    private record HangUp() implements Step {
    }

    private record AwaitClose() implements Step {
    }

    private record StartTls(SSLContext context) implements Step {
    }

    private final ServerSocket server;
    private final List<Step> steps = new ArrayList<>();
    private final List<String> received = Collections.synchronizedList(new ArrayList<>());
    private final ByteArrayOutputStream receivedBytes = new ByteArrayOutputStream();
    private volatile Throwable failure;
    private Thread thread;
    private volatile Socket socket;

    public ScriptedPop3Peer() throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    }

    /** Sends each line followed by CRLF. */
    public ScriptedPop3Peer send(String... lines) {
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append(l).append("\r\n");
        }
        return sendRaw(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    public ScriptedPop3Peer sendRaw(byte[] bytes) {
        return send(out -> out.write(bytes));
    }

    public ScriptedPop3Peer send(Writer writer) {
        steps.add(new Send(writer));
        return this;
    }

    public ScriptedPop3Peer expect(String line) {
        steps.add(new Expect(line));
        return this;
    }

    public ScriptedPop3Peer expect(String line, String... reply) {
        return expect(line).send(reply);
    }

    /** Closes the connection at this point of the script (a server crash or a cut line). */
    public ScriptedPop3Peer hangUp() {
        steps.add(new HangUp());
        return this;
    }

    /** Stays silent until the client closes the connection. */
    public ScriptedPop3Peer silentUntilClientCloses() {
        steps.add(new AwaitClose());
        return this;
    }

    /** Server side of a TLS handshake at this point: first step = implicit TLS, after "+OK" to STLS = STARTTLS. */
    public ScriptedPop3Peer startTls(SSLContext context) {
        steps.add(new StartTls(context));
        return this;
    }

    public ScriptedPop3Peer start() {
        thread = new Thread(this::run, "scripted-pop3-peer");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    public int port() {
        return server.getLocalPort();
    }

    public Pop3Client client() throws IOException {
        return client(Duration.ofSeconds(5));
    }

    public Pop3Client client(Duration readTimeout) throws IOException {
        Pop3ClientOptions options = Pop3ClientOptions.builder().host("127.0.0.1").port(port())
                .security(Security.NONE).readTimeout(readTimeout).build();
        return Pop3Client.connect(options);
    }

    private void run() {
        try (Socket accepted = server.accept()) {
            Socket s = accepted;
            socket = s;
            s.setSoTimeout(10_000); // a stuck test must not hang the build
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            for (Step step : steps) {
                if (step instanceof Send send) {
                    send.writer().write(out);
                    out.flush();
                } else if (step instanceof Expect expect) {
                    String line = readLine(in);
                    if (!expect.line().equals(line)) {
                        throw new AssertionError("peer expected \"" + expect.line() + "\" but the client sent "
                                                 + (line == null ? "nothing (EOF)" : "\"" + line + "\""));
                    }
                } else if (step instanceof HangUp) {
                    return;
                } else if (step instanceof StartTls tls) {
                    SSLSocket ssl = (SSLSocket) tls.context().getSocketFactory()
                            .createSocket(s, null, s.getPort(), true);
                    ssl.setUseClientMode(false);
                    ssl.startHandshake();
                    s = ssl;
                    socket = ssl;
                    in = ssl.getInputStream();
                    out = ssl.getOutputStream();
                } else if (step instanceof AwaitClose) {
                    drainUntilEof(in);
                    return;
                }
            }
            String extra = readLine(in);
            if (extra != null) {
                throw new AssertionError("client sent \"" + extra + "\" after the end of the script");
            }
        } catch (Throwable t) {
            failure = t;
        }
    }

    private void drainUntilEof(InputStream in) throws IOException {
        byte[] b = new byte[1024];
        int n;
        while ((n = in.read(b)) >= 0) {
            synchronized (receivedBytes) {
                receivedBytes.write(b, 0, n);
            }
        }
    }

    private String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            synchronized (receivedBytes) {
                receivedBytes.write(c);
            }
            if (c == '\n') {
                String s = line.toString(StandardCharsets.UTF_8);
                s = s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
                received.add(s);
                return s;
            }
            line.write(c);
        }
        return null;
    }

    /** Waits for the script to end and rethrows whatever went wrong in the peer. */
    public void verify() throws Exception {
        thread.join(TimeUnit.SECONDS.toMillis(10));
        if (thread.isAlive()) {
            throw new AssertionError("peer script did not finish; received so far: " + received);
        }
        if (failure instanceof AssertionError a) {
            throw a;
        }
        if (failure != null) {
            throw new AssertionError("peer failed", failure);
        }
    }

    public List<String> received() {
        return List.copyOf(received);
    }

    public String receivedText() {
        synchronized (receivedBytes) {
            return receivedBytes.toString(StandardCharsets.UTF_8);
        }
    }

    /** Verifies the script too, so a try-with-resources test fails if the client sent anything unexpected. */
    @Override
    public void close() throws Exception {
        try {
            if (thread != null) {
                verify();
            }
        } finally {
            server.close();
            Socket s = socket;
            if (s != null) {
                s.close(); // unblocks a peer still waiting for a line
            }
        }
    }
}
